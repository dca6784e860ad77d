def site(request):
    """Flags every page template needs."""
    from portal.views import demo_enabled

    return {"demo_mode": demo_enabled()}
