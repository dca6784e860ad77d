"""The staff console's pages, one module per floor they show: the filings and the
reference data, the engine's records, the case work, the staff logins, and the
provider API's keys and webhooks. Importing the package registers them all."""

from console.admin import (  # noqa: F401 - each module registers its pages
    casework,
    engine,
    filings,
    integrations,
    logins,
)
