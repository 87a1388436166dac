"""Every URL the desk serves, found by walking Django's URL resolver, and the rule each one must
obey (docs/security.md, "Ma trận phân quyền"). A pattern that is neither in RULES nor in PUBLIC
fails tests/security/test_matrix.py: classify it here when you add an endpoint.

A rule names the kind of object the URL points at (its id is the first keyword argument) and two
predicates from the permission model: who may read (GET) and who may write (POST, PUT, PATCH,
DELETE). The matrix then expects, for each persona:

* anonymous: a redirect to the login page (pages) or 401/403 (API);
* a persona who may not see the object (the kind's SEES predicate): 404, the same as for an id
  that does not exist;
* a persona who sees it but may not do the action: 403 (or what `refused` says);
* anybody else: the gate lets them through (any answer but 401/403/404/405/500).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404
from django.urls import URLPattern, URLResolver, get_resolver

Pred = Callable[[Any, Any], bool]  # (user, object or None) -> allowed


# --- the URL patterns -------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    key: str  # "namespace:name", or the route itself for an unnamed pattern
    route: str  # the pattern as written, joined from the includes
    kwargs: tuple[str, ...]  # keyword arguments of the pattern, in order
    callback: Any


def _kwarg_names(pattern: Any) -> tuple[str, ...]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters:
        return tuple(converters)
    regex = pattern.pattern.regex
    return tuple(sorted(regex.groupindex, key=regex.groupindex.get))


def walk(
    patterns: list[Any] | None = None,
    namespace: str = "",
    prefix: str = "",
    names: tuple[str, ...] = (),
) -> Iterator[Endpoint]:
    """Every URLPattern under the root resolver, with its namespaced name and full route."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            space = entry.namespace or ""
            inner = f"{namespace}:{space}".strip(":") if space else namespace
            yield from walk(entry.url_patterns, inner, route, names + _kwarg_names(entry))
        elif isinstance(entry, URLPattern):
            key = f"{namespace}:{entry.name}".strip(":") if entry.name else route
            yield Endpoint(
                key=key, route=route, kwargs=names + _kwarg_names(entry), callback=entry.callback
            )


def endpoints() -> list[Endpoint]:
    return list(walk())


def url_from_route(route: str, values: dict[str, Any]) -> str:
    """The URL of an unnamed pattern: converters and named groups replaced by `values`."""
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), url)
    return "/" + url.replace("^", "").replace("$", "")


# --- who may: predicates of the permission model -----------------------------------------------


def anyone(user: Any, obj: Any) -> bool:
    return True


def nobody(user: Any, obj: Any) -> bool:
    return False


def role(name: str) -> Pred:
    def check(user: Any, obj: Any) -> bool:
        from digitaldesk.accounts.selectors import effective_roles

        return name in effective_roles(user)

    return check


def either(*preds: Pred) -> Pred:
    return lambda user, obj: any(p(user, obj) for p in preds)


def _raises_404(gate: Callable[[Any, Any], Any]) -> Pred:
    def check(user: Any, obj: Any) -> bool:
        try:
            gate(user, obj.pk)
        except Http404:
            return False
        return True

    return check


def _sees_case(user: Any, case: Any) -> bool:
    from digitaldesk.cases.selectors import cases_visible_to

    return cases_visible_to(user).filter(pk=case.pk).exists()


def _sees_casefile(user: Any, casefile: Any) -> bool:
    from digitaldesk.casefiles.selectors import casefiles_visible_to

    return casefiles_visible_to(user).filter(pk=casefile.pk).exists()


def _sees_incoming(user: Any, document: Any) -> bool:
    from digitaldesk.documents.selectors import incoming_visible_to

    return incoming_visible_to(user).filter(pk=document.pk).exists()


def _sees_outgoing(user: Any, document: Any) -> bool:
    from digitaldesk.documents.selectors import outgoing_visible_to

    return outgoing_visible_to(user).filter(pk=document.pk).exists()


def _sees_presentation(user: Any, presentation: Any) -> bool:
    from digitaldesk.casefiles.selectors import presentation_for_user

    return _raises_404(presentation_for_user)(user, presentation)


def _sees_meeting(user: Any, meeting: Any) -> bool:
    from digitaldesk.meetings.selectors import meetings_visible_to

    return meetings_visible_to(user).filter(pk=meeting.pk).exists()


def _runs_meeting(user: Any, meeting: Any) -> bool:
    from digitaldesk.meetings.selectors import can_manage

    return bool(can_manage(user, meeting))


def _sees_party_record(user: Any, member: Any) -> bool:
    from digitaldesk.party.selectors import member_record_for_user

    return _raises_404(member_record_for_user)(user, member)


def _party_committee(user: Any, organisation: Any) -> bool:
    from digitaldesk.party.selectors import is_committee

    return bool(is_committee(user, organisation))


def _admin(user: Any, obj: Any) -> bool:
    from digitaldesk.accounts.models import Role

    return role(Role.ADMIN)(user, obj)


def _owner(field_name: str) -> Pred:
    return lambda user, obj: getattr(obj, field_name) == user.pk


# Who may know that an object exists: everyone else gets the 404 of a missing id.
SEES: dict[str, Pred] = {
    "case": _sees_case,
    "casefile": _sees_casefile,
    "presentation": _sees_presentation,
    "incoming": _sees_incoming,
    "outgoing": _sees_outgoing,
    "delegation": either(_owner("grantor_id"), _admin),  # its grantor, or an administrator
    "notification": _owner("user_id"),
    "credential": _owner("owner_id"),
    "image": either(_owner("owner_id"), _admin),
    "record": _owner("user_id"),
    "job": either(_owner("created_by_id"), _admin),
    "calendar_event": lambda user, event: _calendar_sees(user, event),  # defined below
    "meeting": _sees_meeting,  # its participants, chair, secretary and creator
    "party_member": _sees_party_record,  # the member and the cell's committee
    "party_org": _party_committee,  # the cell's committee
    # Administration pages: the role is checked before the id, so a missing and an existing
    # official (or unit, or holiday) both answer 403 to a non-administrator.
    "user": anyone,
    "unit": anyone,
    "holiday": anyone,
    "amending_law": anyone,
}


def _case(check: str) -> Pred:
    from digitaldesk.cases import selectors

    func = getattr(selectors, check)
    return lambda user, case: bool(func(user, case))


def _casefile_edit(user: Any, casefile: Any) -> bool:
    from digitaldesk.casefiles.selectors import can_edit

    return bool(can_edit(user, casefile))


def _doc(check: str) -> Pred:
    from digitaldesk.documents import selectors

    func = getattr(selectors, check)
    return lambda user, document: bool(func(user, document))


def _doc_agency(check: str) -> Pred:
    from digitaldesk.documents import selectors

    func = getattr(selectors, check)
    return lambda user, obj: bool(func(user, selectors.user_agency(user)))


def _can_register(user: Any, obj: Any) -> bool:
    from digitaldesk.documents.selectors import can_register

    return bool(can_register(user))


def _register_reader(user: Any, obj: Any) -> bool:
    """Clerks and the agency's leaders export the registers."""
    from digitaldesk.documents import selectors

    agency = selectors.user_agency(user)
    return agency is not None and (
        selectors.is_clerk_of(user, agency) or selectors.leads_agency(user, agency)
    )


def _calendar_sees(user: Any, event: Any) -> bool:
    from digitaldesk.schedule.selectors import event_for_user

    return _raises_404(event_for_user)(user, event)


def _calendar_edit(user: Any, event: Any) -> bool:
    from digitaldesk.schedule.selectors import can_edit

    return _calendar_sees(user, event) and can_edit(user, event.unit)


def _calendar_editor(user: Any, obj: Any) -> bool:
    from digitaldesk.schedule.selectors import editable_units

    return editable_units(user).exists()


def _room_manager(user: Any, obj: Any) -> bool:
    from digitaldesk.schedule.selectors import can_approve
    from digitaldesk.schedule.views import _default_unit

    return can_approve(user, _default_unit(user))


def _presenter(user: Any, presentation: Any) -> bool:
    return bool(presentation.presenter_id == user.pk)


LOGGED_IN = anyone  # every signed-in official; anonymous visitors are sent to the login page
ADMIN = _admin
AUDIT = either(_admin, lambda user, obj: role("thanh_tra")(user, obj))
LEADER = role("lanh_dao")
CASE_SEES, CASE_EDIT, CASE_MANAGE = _sees_case, _case("can_edit_case"), _case("can_manage_access")
CF_SEES, CF_EDIT = _sees_casefile, _casefile_edit


# --- the rules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    kind: str | None  # the object the URL names (World kind), None for pages without one
    read: Pred | None  # who may GET; None: the endpoint does not serve GET (405 expected)
    write: Pred | None  # who may POST/PUT/PATCH/DELETE; None: it does not (405 expected)
    extra: dict[str, Any] = field(default_factory=dict)  # fixed keyword arguments ({"which": ..})
    # The answer to a persona who sees the object but may not act: 403; 404 where the gate hides
    # the object from whoever may not change it (case-file editing); 302 where the page sends
    # back to the object with the reason in a message (document actions).
    refused: int = 403
    # What every signed-in persona gets for a GET, whatever the object (e.g. "redirect": a
    # POST-only page that sends a GET back to the object's page without looking it up).
    get: str = ""
    # The role is checked before the id (administration pages): a non-administrator gets 403 for
    # a missing id and an existing one alike.
    role_first: bool = False


def R(
    kind: str | None,
    read: Pred | None,
    write: Pred | None = None,
    *,
    refused: int = 403,
    role_first: bool = False,
    get: str = "",
    **extra: Any,
) -> Rule:
    return Rule(
        kind=kind,
        read=read,
        write=write,
        extra=extra,
        refused=refused,
        get=get,
        role_first=role_first or (kind is not None and SEES[kind] is anyone),
    )


RULES: dict[str, Rule] = {
    # desk, accounts (signed-in pages; administration for the ADMIN role)
    "desk:home": R(None, LOGGED_IN),
    "accounts:profile": R(None, LOGGED_IN),
    "accounts:password_change": R(None, LOGGED_IN, LOGGED_IN),
    "accounts:totp_setup": R(None, LOGGED_IN, LOGGED_IN),
    "accounts:api_token": R(None, None, LOGGED_IN),
    "accounts:organisation": R(None, LOGGED_IN),
    "accounts:delegations": R(None, LOGGED_IN, LEADER),  # NĐ 30/2020 Điều 13.3: leaders delegate
    "accounts:delegation_revoke": R("delegation", None, either(_owner("grantor_id"), _admin)),
    "accounts:admin_users": R(None, ADMIN),
    "accounts:admin_user_create": R(None, ADMIN, ADMIN),
    "accounts:admin_user_edit": R("user", ADMIN, ADMIN),
    "accounts:admin_user_reset_password": R("user", None, ADMIN),
    "accounts:admin_user_reset_2fa": R("user", None, ADMIN),
    "accounts:admin_unit_edit": R("unit", ADMIN, ADMIN),
    # notifications, audit, jobs, search, holidays
    "notifications:inbox": R(None, LOGGED_IN),
    "notifications:bell": R(None, LOGGED_IN),
    "notifications:mark_all_read": R(None, None, LOGGED_IN),
    "notifications:open": R("notification", LOGGED_IN),
    "audit:list": R(None, AUDIT),
    "audit:export": R(None, AUDIT),
    "audit:verify": R(None, AUDIT, AUDIT),
    "jobs:queue": R(None, ADMIN),
    "jobs:progress": R("job", LOGGED_IN),
    "jobs:retry": R("job", None, ADMIN, role_first=True),
    "jobs:recover": R(None, None, ADMIN),
    "search:home": R(None, LOGGED_IN),
    "assistant:home": R(None, LOGGED_IN, LOGGED_IN),
    "assistant:feedback": R(None, None, LOGGED_IN),
    "assistant:article": R(None, LOGGED_IN),
    "assistant:admin": R(None, ADMIN),
    "assistant:export_feedback": R(None, ADMIN),
    "holidays:list": R(None, ADMIN),
    "holidays:create": R(None, ADMIN, ADMIN),
    "holidays:edit": R("holiday", ADMIN, ADMIN),
    "holidays:delete": R("holiday", None, ADMIN),
    # official e-mail: the official's own mailbox on the agency's server, reached with their own
    # OAuth2 token (the IMAP server is the gate: a uid names a message of the caller's mailbox only)
    "mail:home": R(None, LOGGED_IN),
    "mail:read": R(None, LOGGED_IN, uid=1),
    "mail:attachment": R(None, LOGGED_IN, uid=1, index=0),
    "mail:compose": R(None, LOGGED_IN, LOGGED_IN),
    # the caller's own drafts, address book (the unit directory every official sees), search in
    # their own mailbox, their own app password
    "mail:draft_save": R(None, None, LOGGED_IN),
    "mail:directory": R(None, LOGGED_IN),
    "mail:search": R(None, LOGGED_IN),
    "mail:app_password": R(None, LOGGED_IN, LOGGED_IN),
    # bridges: the clerk registers a message; documents come through the documents app's gate
    "mail:register": R(None, _can_register, _can_register, uid=1),
    "mail:invitation": R(None, None, LOGGED_IN, uid=1),
    "mail:documents": R(None, LOGGED_IN),
    "mail:compose_documents": R(None, LOGGED_IN, LOGGED_IN),
    "lawadmin:list": R(None, ADMIN, ADMIN),
    "lawadmin:detail": R("amending_law", ADMIN),
    "lawadmin:approve": R("amending_law", None, ADMIN),
    "lawadmin:reject": R("amending_law", None, ADMIN),
    # cases
    "cases:register": R(None, LOGGED_IN),
    "cases:intake": R(None, LOGGED_IN, LOGGED_IN),
    "cases:board": R(None, LOGGED_IN),
    "cases:article_search": R(None, LOGGED_IN),
    "cases:stats": R(None, LOGGED_IN),
    "cases:stats_xlsx": R(None, LOGGED_IN),
    "cases:stats_pdf": R(None, LOGGED_IN),
    "exchange:import": R(None, LOGGED_IN, LOGGED_IN),
    "cases:detail": R("case", CASE_SEES),
    "cases:edit": R("case", CASE_EDIT, CASE_EDIT),
    "cases:accused_add": R("case", CASE_EDIT, CASE_EDIT),
    "cases:accused_edit": R("case", CASE_EDIT, CASE_EDIT),
    "cases:participant_add": R("case", CASE_EDIT, CASE_EDIT),
    "cases:participant_remove": R("case", None, CASE_EDIT),
    "cases:charge_add": R("case", CASE_EDIT, CASE_EDIT),
    "cases:charge_remove": R("case", None, CASE_EDIT),
    "cases:category_override": R("case", CASE_EDIT, CASE_EDIT),
    "cases:event_add": R("case", CASE_EDIT, CASE_EDIT),
    "cases:event_delete": R("case", None, CASE_EDIT),
    # The world holds no event attachment nor exchange package: the file is missing for
    # everyone (404); the case gate still answers first (missing case = forbidden case).
    "cases:event_attachment": R("case", nobody, refused=404),
    "cases:event_document": R("case", CASE_EDIT, CASE_EDIT),
    "cases:document_picker": R("case", CASE_EDIT),
    "exchange:file": R("case", nobody, refused=404),
    "cases:access": R("case", CASE_MANAGE, CASE_MANAGE),
    "cases:mindmap": R("case", CASE_SEES),
    "cases:mindmap_file": R("case", CASE_SEES),
    "exchange:export": R("case", CASE_SEES, CASE_EDIT),
    # case files (hồ sơ số)
    "casefiles:home": R(None, LOGGED_IN),
    # The case is named in the body: an empty body names none, so the case gate answers 404.
    "casefiles:create": R(None, LOGGED_IN, nobody, refused=404),
    "casefiles:search": R(None, LOGGED_IN),
    "casefiles:detail": R("casefile", CF_SEES),
    "casefiles:progress": R("casefile", CF_SEES),
    "casefiles:upload_form": R("casefile", CF_EDIT, CF_EDIT, refused=404),
    "casefiles:upload_begin": R("casefile", None, CF_EDIT, refused=404),
    "casefiles:upload_chunk": R("casefile", None, CF_EDIT, refused=404),
    "casefiles:upload_finish": R("casefile", None, CF_EDIT, refused=404),
    "casefiles:download": R("casefile", CF_SEES),
    "casefiles:volume_add": R("casefile", None, CF_EDIT, refused=404),
    "casefiles:document_edit": R("casefile", CF_EDIT, CF_EDIT, refused=404),
    "casefiles:toc_export": R("casefile", CF_SEES),
    "casefiles:verify": R("casefile", CF_SEES, CF_SEES),
    "casefiles:failed": R("casefile", CF_SEES),
    "casefiles:page": R("casefile", CF_SEES),
    "casefiles:page_image": R("casefile", CF_SEES),
    "casefiles:page_data": R("casefile", CF_SEES),
    "casefiles:page_reocr": R("casefile", None, CF_EDIT, refused=404),
    "casefiles:page_replace": R("casefile", CF_EDIT, CF_EDIT, refused=404),
    "casefiles:playlist_create": R("casefile", CF_EDIT, CF_EDIT, refused=404),
    "casefiles:present_start": R("casefile", CF_SEES, CF_SEES),
    "casefiles:present_search": R("casefile", CF_SEES),
    # Someone else than the presenter is sent to the projector view of the presentation.
    "casefiles:present": R("presentation", _presenter, _presenter, refused=302),
    "casefiles:projector": R("presentation", _sees_presentation),
    # Only the presenter moves the presentation: the service refuses others with 400 + reason.
    "casefiles:present_state": R("presentation", _sees_presentation, _presenter, refused=400),
    # documents (văn bản đến, đi)
    "documents:home": R(None, LOGGED_IN),
    "documents:incoming_list": R(None, LOGGED_IN),
    "documents:incoming_new": R(None, _can_register, _can_register),
    "documents:mail_intake": R(None, _can_register, _can_register),
    "documents:incoming_guess": R(None, None, _can_register),
    "documents:incoming_detail": R("incoming", _sees_incoming),
    "documents:incoming_direct": R("incoming", None, _doc("can_direct"), refused=302),
    "documents:incoming_report": R("incoming", None, _doc("can_report"), refused=302),
    "documents:incoming_close": R("incoming", None, _doc("can_close"), refused=302),
    "documents:incoming_reopen": R("incoming", None, _doc("can_reopen"), refused=302),
    "documents:incoming_confirm": R("incoming", None, _doc("can_confirm_sensitivity"), refused=302),
    "documents:incoming_file": R("incoming", _sees_incoming),
    "documents:incoming_edit": R("incoming", _doc("can_edit_incoming"), _doc("can_edit_incoming")),
    "documents:followup": R(None, _doc_agency("can_follow_up")),
    "documents:followup_export": R(None, _doc_agency("can_follow_up"), fmt="xlsx"),
    "documents:overdue": R(None, LOGGED_IN),
    "documents:register_export": R(None, _register_reader, which="den"),
    "documents:search": R(None, LOGGED_IN),
    "documents:outgoing_list": R(None, LOGGED_IN),
    "documents:outgoing_new": R(None, LOGGED_IN, LOGGED_IN),
    "documents:outgoing_detail": R("outgoing", _sees_outgoing),
    "documents:outgoing_version": R(
        "outgoing", nobody, _doc("can_edit_draft"), refused=302, get="redirect"
    ),
    "documents:outgoing_comment": R("outgoing", None, _sees_outgoing, refused=302),
    "documents:outgoing_submit": R("outgoing", None, _doc("can_submit"), refused=302),
    "documents:outgoing_approve": R("outgoing", None, _doc("can_decide"), refused=302),
    "documents:outgoing_return": R("outgoing", None, _doc("can_decide"), refused=302),
    "documents:outgoing_approve_sign": R("outgoing", None, _doc("can_decide"), refused=302),
    "documents:outgoing_signature": R("outgoing", _sees_outgoing),
    "documents:outgoing_sign": R("outgoing", None, _doc("can_sign"), refused=302),
    "documents:outgoing_issue": R("outgoing", None, _doc("can_issue"), refused=302),
    "documents:outgoing_file": R("outgoing", _sees_outgoing),
    "documents:outgoing_edit": R("outgoing", _doc("can_edit_outgoing"), _doc("can_edit_outgoing")),
    "documents:outgoing_recall": R("outgoing", None, _doc("can_edit_outgoing"), refused=302),
    # meetings (phòng họp không giấy): chair and secretary run it, participants take part
    "meetings:home": R(None, LOGGED_IN, LOGGED_IN),
    "meetings:detail": R("meeting", _sees_meeting),
    "meetings:panel": R("meeting", _sees_meeting, part="hien-tai"),
    "meetings:manage": R("meeting", None, _runs_meeting),
    "meetings:take_part": R("meeting", None, _sees_meeting),
    "meetings:check_in": R("meeting", _sees_meeting, _sees_meeting),
    "meetings:qr": R("meeting", _runs_meeting),
    "meetings:document": R("meeting", _sees_meeting),
    # The world's meeting has no minutes yet and is not online: 404 for whoever sees it.
    "meetings:minutes_file": R("meeting", nobody, refused=404),
    "meetings:video": R("meeting", nobody, refused=404),
    # party handbook (sổ tay đảng viên): records to the member and the committee, audited
    "party:home": R(None, LOGGED_IN),
    "party:member": R("party_member", _sees_party_record),
    "party:rating": R("party_member", None, _sees_party_record),
    "party:cell_meeting": R("party_org", None, _party_committee),
    "party:report": R("party_org", _party_committee),
    # signing (ký số)
    "signing:home": R(None, LOGGED_IN),
    "signing:pkcs12_upload": R(None, None, LOGGED_IN),
    "signing:pkcs11_register": R(None, None, LOGGED_IN),
    "signing:credential_default": R("credential", None, _owner("owner_id")),
    "signing:credential_deactivate": R("credential", None, _owner("owner_id")),
    "signing:signature_image_upload": R(None, None, LOGGED_IN),
    "signing:image": R("image", either(_owner("owner_id"), _admin)),
    "signing:sign_upload": R(None, None, LOGGED_IN),
    "signing:verify": R(None, LOGGED_IN, LOGGED_IN),
    "signing:record": R("record", _owner("user_id")),
    "signing:record_file": R("record", _owner("user_id")),
    "signing:admin": R(None, ADMIN, ADMIN),
    # work calendar (lịch công tác): published entries for everyone, drafts for their editors
    "schedule:week": R(None, LOGGED_IN),
    "schedule:month": R(None, LOGGED_IN),
    "schedule:excel": R(None, LOGGED_IN),
    # Publishing is the office's: anyone else is sent back to the week with the reason.
    "schedule:publish": R(None, None, LOGGED_IN),
    "schedule:create": R(None, _calendar_editor, _calendar_editor),
    "schedule:event": R("calendar_event", _calendar_sees),
    "schedule:edit": R("calendar_event", _calendar_edit, _calendar_edit, refused=404),
    # Approving is the office's: another editor is sent back to the entry with the reason.
    "schedule:approve": R("calendar_event", None, _calendar_edit, refused=404),
    "schedule:cancel": R("calendar_event", None, _calendar_edit, refused=404),
    "schedule:attach": R("calendar_event", None, _calendar_edit, refused=404),
    # The world holds no attachment: the file is missing for everyone (404), gate first.
    "schedule:attachment": R("calendar_event", nobody, refused=404),
    "schedule:rooms": R(None, LOGGED_IN, _room_manager),
    "schedule:hearing_create": R("case", CASE_EDIT, CASE_EDIT, refused=404),
    "schedule:feeds": R(None, LOGGED_IN, LOGGED_IN),
    # REST API (/api/v1/): the same gates through DRF
    "api:me": R(None, LOGGED_IN),
    "api:units": R(None, LOGGED_IN),
    "api:users": R(None, LOGGED_IN),
    "api:notifications": R(None, LOGGED_IN),
    "api:notifications_read": R(None, None, LOGGED_IN),
    "api:job": R("job", LOGGED_IN),
    "api:audit": R(None, AUDIT),
    "api:signing_credentials": R(None, LOGGED_IN),
    "api:signing_verify": R(None, None, LOGGED_IN),
    "api:signing_sign": R(None, None, LOGGED_IN),
    "api:documents_incoming": R(None, LOGGED_IN, _can_register),
    "api:documents_incoming_detail": R("incoming", _sees_incoming),
    "api:documents_incoming_edit": R("incoming", None, _doc("can_edit_incoming")),
    "api:documents_incoming_direct": R("incoming", None, _doc("can_direct")),
    "api:documents_incoming_close": R("incoming", None, _doc("can_close")),
    "api:documents_outgoing": R(None, LOGGED_IN, LOGGED_IN),
    "api:documents_outgoing_detail": R("outgoing", _sees_outgoing),
    "api:documents_outgoing_edit": R("outgoing", None, _doc("can_edit_outgoing")),
    "api:documents_outgoing_recall": R("outgoing", None, _doc("can_edit_outgoing")),
    "api:documents_outgoing_corrections": R("outgoing", None, _sees_outgoing),
    "api:documents_followup": R(None, _doc_agency("can_follow_up")),
    "api:cases": R(None, LOGGED_IN, LOGGED_IN),
    "api:cases_deadlines": R(None, LOGGED_IN),
    "api:cases_articles": R(None, LOGGED_IN),
    "api:cases_statistics": R(None, LOGGED_IN),
    "api:case": R("case", CASE_SEES, CASE_EDIT),
    "api:case_accused": R("case", None, CASE_EDIT),
    "api:case_charges": R("case", None, CASE_EDIT),
    "api:case_events": R("case", None, CASE_EDIT),
    "api:casefiles": R(None, LOGGED_IN, LOGGED_IN),
    "api:casefiles_search": R(None, LOGGED_IN),
    "api:casefile": R("casefile", CF_SEES),
    "api:casefile_playlists": R("casefile", None, CF_EDIT, refused=404),
    "api:casefile_uploads": R("casefile", None, CF_EDIT, refused=404),
    "api:casefile_page": R("casefile", CF_SEES),
}

# Endpoints anybody may open without signing in, each with the reason. Keep this list short: a
# page that shows or changes data of the desk does not belong here.
PUBLIC: dict[str, str] = {
    "healthz": "liveness probe of the load balancer (no data)",
    "ping": "readiness probe (no data)",
    "accounts:login": "the login form",
    "accounts:login_otp": "second step of the login (needs the first step's session)",
    "accounts:login_enrol": "first TOTP enrolment during login (needs the first step's session)",
    "accounts:logout": "logging out (POST only)",
    "accounts:external_login": "SSO: start of the login through the external identity provider",
    "accounts:external_callback": "SSO: the identity provider's redirect back (state + PKCE)",
    "accounts:external_otp": "SSO: second factor after an external login",
    "accounts:external_enrol": "SSO: first TOTP enrolment after an external login",
    "accounts:sso_authorize": "OIDC provider: authorization endpoint (sends to login)",
    "accounts:sso_token": "OIDC provider: token endpoint (client authentication)",
    "accounts:sso_userinfo": "OIDC provider: userinfo (bearer token)",
    "accounts:sso_logout": "OIDC provider: RP-initiated logout",
    "api:docs": "the API's Swagger page (static; its calls need a signed-in user or a token)",
    "api:schema": "the OpenAPI description: paths and fields, no data",
    "signing:crl": "CRL distribution point written into the demo certificates",
    "schedule:ical": "iCalendar feed for calendar apps: the secret token in the address is the "
    "credential (404 for an unknown or revoked one)",
}

# django-oauth-toolkit's own URL set (/o/): public metadata, or endpoints that authenticate the
# client or its token by themselves (the desk's views take authorize/token/userinfo/logout).
PUBLIC.update(
    {
        "oauth2_provider:oidc-connect-discovery-info": "OIDC discovery document",
        "oauth2_provider:jwks-info": "the OIDC provider's public signing key (JWKS)",
        "oauth2_provider:oauth-server-metadata": "RFC 8414 authorization server metadata",
        "oauth2_provider:oauth-server-metadata-issuer": "RFC 8414 metadata, issuer path form",
        "oauth2_provider:oauth-resource-metadata": "RFC 9728 protected resource metadata",
        "oauth2_provider:oauth-resource-metadata-path": "RFC 9728 metadata, path form",
        "oauth2_provider:authorize": "served by accounts:sso_authorize (same path, included first)",
        "oauth2_provider:token": "served by accounts:sso_token (client authentication)",
        "oauth2_provider:user-info": "served by accounts:sso_userinfo (bearer token)",
        "oauth2_provider:rp-initiated-logout": "served by accounts:sso_logout",
        "oauth2_provider:revoke-token": "RFC 7009 token revocation (client authentication)",
        "oauth2_provider:introspect": "RFC 7662 introspection (refused without a token)",
    }
)
# Paths the desk closes on purpose: every persona, anonymous or administrator, gets 404.
CLOSED: dict[str, str] = {
    key: "closed by accounts' ^o/(applications|authorized_tokens|device…)/ pattern"
    for key in (
        "oauth2_provider:list",
        "oauth2_provider:register",
        "oauth2_provider:detail",
        "oauth2_provider:delete",
        "oauth2_provider:update",
        "oauth2_provider:authorized-token-list",
        "oauth2_provider:authorized-token-delete",
        "oauth2_provider:device",
        "oauth2_provider:device-authorization",
        "oauth2_provider:device-confirm",
        "oauth2_provider:device-grant-status",
        "^o/(applications|authorized_tokens|device|device-authorization|device-confirm"
        "|device-grant-status)/",
    )
} | {
    "oauth2_provider:dcr-register": "dynamic client registration, off in OAUTH2_PROVIDER",
    "oauth2_provider:dcr-register-management": "dynamic client registration, off",
}

# The Django admin (/quan-tri-ky-thuat/) must not be a second way in: no desk persona is staff,
# so every page of it answers with its own login redirect; see ADMIN_SITE in test_matrix.py.
ADMIN_SITE_PREFIX = "admin:"
ADMIN_SITE_ROUTE = "quan-tri-ky-thuat/"


def classify(endpoint: Endpoint) -> str:
    """'rule', 'public', 'closed', 'admin' or '' (unclassified)."""
    if endpoint.key in RULES:
        return "rule"
    if endpoint.key in PUBLIC:
        return "public"
    if endpoint.key in CLOSED:
        return "closed"
    if endpoint.key.startswith(ADMIN_SITE_PREFIX) or endpoint.route.startswith(ADMIN_SITE_ROUTE):
        return "admin"
    return ""
