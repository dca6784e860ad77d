"""factory-boy factories for the filing domain, with valid checksums and mobiles."""

import factory
from django.contrib.auth.models import Group, User
from stdnum.cn import ric, uscc

from console.models import Macro, MacroStep
from filings.models import (
    CertificateType,
    FilingApplication,
    Person,
    PolicyKey,
    Provider,
    Province,
    Service,
    ServiceKind,
    Subject,
    SubjectNature,
)
from filings.privacy import lookup_key


def resident_id(serial):
    """A valid resident ID number (Beijing Xicheng, born 1990-01-01) for a serial."""
    base = f"110102199001{(serial % 28) + 1:02d}{serial % 1000:03d}"
    return base + ric.calc_check_digit(base + "0")


def uscc_code(serial):
    """A valid unified social credit code for a serial."""
    base = f"91110000MA{serial % 10_000_000:07d}"
    return base + uscc.calc_check_digit(base)


def mobile(serial):
    """A valid China Mobile number for a serial."""
    return f"1380000{serial % 10_000:04d}"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"联系人{n}")
    certificate_type = CertificateType.RESIDENT_ID
    certificate_number = factory.Sequence(resident_id)
    mobile = factory.Sequence(mobile)
    mobile_key = factory.LazyAttribute(lambda person: lookup_key(person.mobile))
    certificate_key = factory.LazyAttribute(
        lambda person: lookup_key(person.certificate_number)
    )


class SubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject

    name = factory.Sequence(lambda n: f"示例科技有限公司{n}")
    nature = SubjectNature.ENTERPRISE
    certificate_type = CertificateType.USCC
    certificate_number = factory.Sequence(uscc_code)
    certificate_key = factory.LazyAttribute(
        lambda subject: lookup_key(subject.certificate_number)
    )
    province = factory.LazyFunction(lambda: Province.objects.get(code="bj"))
    leader = factory.SubFactory(PersonFactory)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    subject = factory.SubFactory(SubjectFactory)
    kind = ServiceKind.WEBSITE
    name = factory.Sequence(lambda n: f"示例网站{n}")
    administrator = factory.SubFactory(PersonFactory)


class FilingFactory(factory.django.DjangoModelFactory):
    """A draft first filing with one website; pass `services=[...]` to choose them."""

    class Meta:
        model = FilingApplication
        skip_postgeneration_save = True

    provider = factory.LazyFunction(lambda: Provider.objects.get(code="aliyun"))
    reference = factory.Sequence(lambda n: f"TEST-{n:05d}")
    subject = factory.SubFactory(SubjectFactory)
    province = factory.SelfAttribute("subject.province")
    filing_type = "first_filing"
    change_scope = ""
    policy = PolicyKey.MIIT_CURRENT

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = [ServiceFactory(subject=self.subject)]
        self.services.add(*extracted)


class MacroFactory(factory.django.DjangoModelFactory):
    """A macro; pass `steps=[(action, hours), ...]`."""

    class Meta:
        model = Macro
        skip_postgeneration_save = True

    name_zh = factory.Sequence(lambda n: f"快捷操作{n}")
    name_en = factory.Sequence(lambda n: f"Macro {n}")
    reason_template = "macro for {reference}"
    note_template = ""
    follow_up_hours = None

    @factory.post_generation
    def steps(self, create, extracted, **kwargs):
        if not create:
            return
        for position, (action, hours) in enumerate(extracted or [], start=1):
            MacroStep.objects.create(
                macro=self, position=position, action=action, hours=hours
            )


class StaffUserFactory(factory.django.DjangoModelFactory):
    """An active staff login; pass `password="..."` and `group="Supervisor"`."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff-{n}")
    is_staff = True
    password = factory.django.Password("pw-staff")

    @factory.post_generation
    def group(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
