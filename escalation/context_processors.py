from escalation import clocks


def procedure_rules(request):
    """The procedure's periods and promises (`rules.stage_two_response`, …), for every page's text."""
    return {"rules": clocks.procedure_rules()}
