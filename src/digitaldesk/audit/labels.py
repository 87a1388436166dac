"""Vietnamese names of the audit log's action codes (docs/audit.md, "Labels").

The log stores stable codes ("documents.signed"); the auditor reads "Ký số văn bản đi". The table
below names every code the apps write today; an app added later names its own codes at ready()
with `register_action_labels({...})`. tests/audit/test_labels.py fails when a code written
somewhere in the source has no name here. A code without a name (an old row, a plug-in that forgot)
is shown as "<group>: thao tác khác", never as the raw code.
"""

from __future__ import annotations

from django.apps import apps

# Groups: the part of a code before the dot. The audit page filters by group or by one action.
GROUP_LABELS: dict[str, str] = {
    "auth": "Đăng nhập, mật khẩu",
    "accounts": "Tài khoản, đơn vị, ủy quyền",
    "sso": "Đăng nhập một lần (SSO)",
    "audit": "Nhật ký kiểm toán",
    "documents": "Văn bản đến, văn bản đi",
    "signing": "Chữ ký số",
    "cases": "Sổ thụ lý vụ án",
    "casefiles": "Hồ sơ số",
    "meeting": "Cuộc họp",
    "party": "Chi bộ",
    "schedule": "Lịch công tác",
    "mail": "Thư điện tử",
    "assistant": "Trợ lý ảo",
    "lawadmin": "Văn bản pháp luật",
    "holidays": "Ngày nghỉ, ngày làm bù",
    "jobs": "Công việc nền",
}

_ACTIONS: dict[str, str] = {
    # Login and accounts
    "auth.login": "Đăng nhập",
    "auth.login_failed": "Đăng nhập không thành công",
    "auth.login_refused_locked": "Từ chối đăng nhập (tài khoản đang bị khóa)",
    "auth.locked": "Khóa tài khoản tạm thời do nhập sai nhiều lần",
    "auth.logout": "Đăng xuất",
    "auth.password_changed": "Đổi mật khẩu",
    "auth.api_token_created": "Tạo khóa truy cập API",
    "accounts.user_created": "Tạo tài khoản cán bộ",
    "accounts.password_reset": "Đặt lại mật khẩu",
    "accounts.permissions_changed": "Thay đổi quyền",
    "accounts.unit_created": "Tạo đơn vị",
    "accounts.unit_updated": "Sửa thông tin đơn vị",
    "accounts.delegation_created": "Ủy quyền",
    "accounts.delegation_revoked": "Thu hồi ủy quyền",
    "accounts.external_identity_bound": "Liên kết tài khoản đăng nhập bên ngoài",
    "sso.authorized": "Cho phép ứng dụng đăng nhập một lần",
    "sso.refused": "Từ chối đăng nhập một lần",
    "sso.code_reused": "Mã đăng nhập một lần bị dùng lại",
    "sso.client_registered": "Đăng ký ứng dụng đăng nhập một lần",
    "sso.client_removed": "Gỡ ứng dụng đăng nhập một lần",
    # Audit
    "audit.search": "Tra cứu nhật ký kiểm toán",
    "audit.export": "Xuất nhật ký kiểm toán",
    "audit.verify": "Kiểm tra toàn vẹn nhật ký",
    # Documents
    "documents.incoming_registered": "Vào sổ văn bản đến",
    "documents.incoming_edited": "Sửa thông tin văn bản đến",
    "documents.incoming_directed": "Cho ý kiến chỉ đạo (bút phê)",
    "documents.incoming_forwarded": "Chuyển xử lý văn bản đến",
    "documents.incoming_reported": "Báo cáo kết quả xử lý văn bản đến",
    "documents.incoming_closed": "Kết thúc xử lý văn bản đến",
    "documents.incoming_reopened": "Mở lại xử lý văn bản đến",
    "documents.incoming_recalled": "Văn bản đến bị nơi gửi thu hồi",
    "documents.incoming_related": "Liên kết văn bản đến",
    "documents.viewed": "Xem văn bản",
    "documents.downloaded": "Tải tệp văn bản",
    "documents.emailed": "Gửi văn bản qua thư điện tử",
    "documents.draft_created": "Soạn dự thảo văn bản đi",
    "documents.draft_version_added": "Thêm phiên bản dự thảo",
    "documents.draft_commented": "Góp ý dự thảo",
    "documents.draft_submitted": "Trình duyệt, ký dự thảo",
    "documents.draft_returned": "Trả lại dự thảo",
    "documents.draft_approved": "Duyệt dự thảo",
    "documents.signed": "Ký số văn bản đi",
    "documents.issued": "Cấp số và phát hành văn bản đi",
    "documents.outgoing_edited": "Sửa thông tin văn bản đi",
    "documents.recalled": "Thu hồi văn bản đi",
    "documents.recall_emailed": "Gửi thư báo thu hồi văn bản",
    "documents.related_issued": "Phát hành văn bản đính chính, thay thế",
    "documents.register_exported": "Xuất sổ văn bản",
    "documents.followup_exported": "Xuất sổ theo dõi giải quyết văn bản",
    "documents.mail_received": "Nhận văn bản qua thư điện tử",
    "documents.mail_registered": "Vào sổ văn bản nhận qua thư điện tử",
    "documents.mail_discarded": "Bỏ qua thư điện tử gửi văn bản",
    "documents.secrecy_raised": "Nâng độ mật văn bản",
    "documents.secret_draft_refused": "Từ chối dự thảo có dấu hiệu bí mật nhà nước",
    "documents.secret_upload_refused": "Từ chối tệp có dấu hiệu bí mật nhà nước",
    "documents.sensitivity_flagged": "Cảnh báo văn bản có dấu hiệu bí mật",
    "documents.sensitivity_confirmed": "Xác nhận văn bản không chứa bí mật",
    "documents.signature_verified": "Kiểm tra chữ ký số văn bản",
    # Signing
    "signing.sign": "Ký số tệp",
    "signing.verify": "Kiểm tra chữ ký số",
    "signing.verify_failed": "Kiểm tra chữ ký số không thành công",
    "signing.verified_file_download": "Tải tệp đã kiểm tra chữ ký",
    "signing.verified_file_read": "Lấy tệp đã ký đã lưu để gửi kèm",
    "signing.credential_add": "Thêm chứng thư số",
    "signing.credential_default": "Chọn chứng thư số mặc định",
    "signing.credential_deactivate": "Ngừng dùng chứng thư số",
    "signing.credential_revoke": "Thu hồi chứng thư số",
    "signing.image_set": "Cập nhật ảnh chữ ký, con dấu",
    "signing.trust_root_add": "Thêm chứng thư gốc tin cậy",
    "signing.trust_root_enable": "Bật chứng thư gốc tin cậy",
    "signing.trust_root_disable": "Tắt chứng thư gốc tin cậy",
    "signing.intermediate_add": "Thêm chứng thư trung gian",
    "signing.crl_add": "Nạp danh sách chứng thư bị thu hồi",
    # Cases
    "cases.registered": "Thụ lý tin báo, vụ án",
    "cases.updated": "Sửa thông tin vụ án",
    "cases.case_opened": "Khởi tố vụ án",
    "cases.category_overridden": "Điều chỉnh loại tội",
    "cases.event_recorded": "Ghi nhận quyết định tố tụng",
    "cases.event_imported": "Nhập quyết định tố tụng từ tệp liên thông",
    "cases.event_cancelled": "Hủy ghi nhận quyết định tố tụng",
    "cases.event_document_linked": "Gắn văn bản vào quyết định tố tụng",
    "cases.accused_added": "Thêm bị can",
    "cases.accused_updated": "Sửa thông tin bị can",
    "cases.charge_added": "Thêm tội danh",
    "cases.charge_removed": "Bỏ tội danh",
    "cases.participant_added": "Thêm người tham gia tố tụng",
    "cases.participant_removed": "Bỏ người tham gia tố tụng",
    "cases.assigned": "Phân công kiểm sát viên",
    "cases.unassigned": "Thôi phân công kiểm sát viên",
    "cases.leader_set": "Giao lãnh đạo phụ trách vụ án",
    "cases.restricted": "Hạn chế quyền xem vụ án",
    "cases.unrestricted": "Bỏ hạn chế quyền xem vụ án",
    "cases.grant_added": "Cấp quyền xem vụ án",
    "cases.grant_removed": "Thu hồi quyền xem vụ án",
    "cases.view": "Xem vụ án",
    "cases.view_document": "Xem văn bản tố tụng",
    "cases.view_mindmap": "Xem sơ đồ tư duy vụ án",
    "cases.view_exchange_file": "Xem tệp liên thông vụ án",
    "cases.register_viewed": "Xem sổ thụ lý",
    "cases.board_viewed": "Xem bảng thời hạn tố tụng",
    "cases.searched": "Tìm kiếm vụ án",
    "cases.stats_viewed": "Xem thống kê án hình sự",
    "cases.stats_exported": "Xuất thống kê án hình sự",
    "cases.mindmap_exported": "Xuất sơ đồ tư duy vụ án",
    "cases.exported": "Xuất tệp liên thông vụ án",
    "cases.imported": "Nhập tệp liên thông vụ án",
    "cases.import_refused": "Từ chối tệp liên thông vụ án",
    "cases.exchange_key_created": "Tạo khóa liên thông",
    "cases.exchange_key_trusted": "Tin cậy khóa liên thông của đơn vị khác",
    # Case files
    "casefiles.create": "Tạo hồ sơ số",
    "casefiles.volume_create": "Thêm tập hồ sơ",
    "casefiles.upload_begin": "Bắt đầu tải lên hồ sơ",
    "casefiles.upload": "Tải lên tài liệu hồ sơ",
    "casefiles.upload_rejected": "Từ chối tệp tải lên hồ sơ",
    "casefiles.view": "Xem hồ sơ số",
    "casefiles.page_view": "Xem trang hồ sơ",
    "casefiles.page_image": "Xem ảnh trang hồ sơ",
    "casefiles.page_reocr": "Nhận dạng lại trang hồ sơ",
    "casefiles.page_replace": "Thay trang hồ sơ",
    "casefiles.download": "Tải hồ sơ số",
    "casefiles.search": "Tìm kiếm trong hồ sơ số",
    "casefiles.toc_edit": "Sửa mục lục hồ sơ",
    "casefiles.toc_export": "Xuất bảng kê tài liệu hồ sơ",
    "casefiles.verify": "Kiểm tra toàn vẹn hồ sơ số",
    "casefiles.playlist_create": "Lập danh sách trình chiếu",
    "casefiles.present_start": "Bắt đầu trình chiếu tại phiên tòa",
    "casefiles.present_show": "Trình chiếu trang hồ sơ",
    "casefiles.projector_open": "Mở màn chiếu",
    # Meetings and the party cell
    "meeting.create": "Tạo cuộc họp",
    "meeting.open": "Khai mạc cuộc họp",
    "meeting.close": "Bế mạc cuộc họp",
    "meeting.advance": "Chuyển nội dung họp",
    "meeting.item_add": "Thêm nội dung họp",
    "meeting.rsvp": "Xác nhận tham dự họp",
    "meeting.checkin": "Điểm danh cuộc họp",
    "meeting.checkin_refused": "Từ chối điểm danh cuộc họp",
    "meeting.roll_call": "Điểm danh đại biểu",
    "meeting.document_add": "Thêm tài liệu họp",
    "meeting.document_link": "Gắn văn bản vào cuộc họp",
    "meeting.document_remove": "Bỏ tài liệu họp",
    "meeting.document_open": "Mở tài liệu họp",
    "meeting.opinion": "Phát biểu ý kiến",
    "meeting.vote_open": "Mở biểu quyết",
    "meeting.vote_cast": "Biểu quyết",
    "meeting.vote_close": "Kết thúc biểu quyết",
    "meeting.conclusion": "Ghi kết luận cuộc họp",
    "meeting.minutes": "Lập biên bản họp",
    "meeting.minutes_sign": "Ký biên bản họp",
    "meeting.evaluate": "Đánh giá cuộc họp",
    "party.cell_meeting": "Sinh hoạt chi bộ",
    "party.rating": "Xếp loại đảng viên",
    "party.record_read": "Xem hồ sơ đảng viên",
    # Schedule
    "schedule.event_create": "Thêm lịch công tác",
    "schedule.event_update": "Sửa lịch công tác",
    "schedule.event_cancel": "Hủy lịch công tác",
    "schedule.event_approve": "Duyệt lịch công tác",
    "schedule.week_publish": "Công bố lịch công tác tuần",
    "schedule.week_export": "Xuất lịch công tác tuần",
    "schedule.room_create": "Thêm phòng họp",
    "schedule.attachment_add": "Đính kèm tài liệu vào lịch",
    "schedule.attachment_read": "Xem tài liệu đính kèm lịch",
    "schedule.hearing_schedule": "Lên lịch phiên tòa",
    "schedule.feed_token_create": "Tạo đường dẫn đồng bộ lịch",
    "schedule.feed_token_revoke": "Thu hồi đường dẫn đồng bộ lịch",
    # Mail
    "mail.sent": "Gửi thư điện tử",
    "mail.send_failed": "Gửi thư điện tử không thành công",
    "mail.opened": "Mở hộp thư",
    "mail.tokens_revoked": "Thu hồi quyền truy cập hộp thư",
    "mail.invitation_answered": "Trả lời giấy mời họp qua thư",
    "mail.registered_incoming": "Vào sổ văn bản đến từ thư điện tử",
    "mail.secret_attachment_refused": "Chặn gửi tệp đính kèm có độ mật",
    "mail.send_refused": "Từ chối gửi thư điện tử",
    "mail.app_password_set": "Đặt mật khẩu ứng dụng thư",
    "mail.app_password_removed": "Xóa mật khẩu ứng dụng thư",
    # Assistant, law, holidays, jobs
    "assistant.asked": "Hỏi trợ lý ảo",
    "assistant.feedback": "Đánh giá câu trả lời của trợ lý ảo",
    "assistant.feedback_exported": "Xuất đánh giá câu trả lời của trợ lý ảo",
    "lawadmin.uploaded": "Nạp văn bản luật sửa đổi",
    "lawadmin.viewed": "Xem đối chiếu luật sửa đổi",
    "lawadmin.approved": "Phê duyệt luật sửa đổi",
    "lawadmin.rejected": "Từ chối luật sửa đổi",
    "holidays.override_created": "Thêm ngày nghỉ, ngày làm bù",
    "holidays.override_updated": "Sửa ngày nghỉ, ngày làm bù",
    "holidays.override_deleted": "Xóa ngày nghỉ, ngày làm bù",
    "jobs.retry": "Chạy lại công việc nền",
    "jobs.recover": "Đưa lại công việc nền vào hàng đợi",
}


def register_action_labels(labels: dict[str, str]) -> None:
    """Name more action codes (an app's AppConfig.ready()); a code already named keeps its name."""
    for code, label in labels.items():
        _ACTIONS.setdefault(code, label)


def action_labels() -> dict[str, str]:
    return dict(_ACTIONS)


def action_label(code: str) -> str:
    """The Vietnamese name of an action code, never the code itself."""
    label = _ACTIONS.get(code)
    if label:
        return label
    group = GROUP_LABELS.get(code.split(".", 1)[0])
    return f"{group}: thao tác khác" if group else "Thao tác khác"


def action_choices() -> list[tuple[str, list[tuple[str, str]] | str]]:
    """Choices of the audit page's action filter: "" (all), then per group "<group>." (every action
    of the group) followed by its actions, grouped under the group's name."""
    by_group: dict[str, list[tuple[str, str]]] = {}
    for code, label in _ACTIONS.items():
        by_group.setdefault(code.split(".", 1)[0], []).append((code, label))
    choices: list[tuple[str, list[tuple[str, str]] | str]] = [("", "Tất cả hành động")]
    for group, name in GROUP_LABELS.items():
        actions = sorted(by_group.pop(group, []), key=lambda item: item[1])
        choices.append((name, [(f"{group}.", f"Mọi hành động: {name.lower()}"), *actions]))
    for group, actions in sorted(by_group.items()):
        choices.append((group, sorted(actions, key=lambda item: item[1])))
    return choices


def object_type_label(object_type: str) -> str:
    """The Vietnamese name of an audited object's type ("documents.incomingdocument" → "văn bản
    đến"): the model's verbose name, or a short name for the few types that are not models."""
    if not object_type:
        return ""
    if object_type in _TYPES:
        return _TYPES[object_type]
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return "Đối tượng khác"
    if "verbose_name" not in model._meta.original_attrs:
        # Django's default name is the English class name: say which part of the desk instead.
        group = GROUP_LABELS.get(object_type.split(".", 1)[0])
        return f"Đối tượng thuộc {group.lower()}" if group else "Đối tượng khác"
    return str(model._meta.verbose_name).capitalize()


# Types that are not models, and models whose verbose name is Django's English default (naming
# them in the models would need a migration for each).
_TYPES = {
    "mail": "Thư điện tử",
    "assistant.feedback": "Đánh giá của trợ lý ảo",
    "assistant.assistantfeedback": "Đánh giá của trợ lý ảo",
    "assistant.assistantquery": "Câu hỏi trợ lý ảo",
    "documents.assignment": "Phân công xử lý văn bản",
    "documents.draftversion": "Phiên bản dự thảo",
    "documents.reviewcomment": "Góp ý dự thảo",
    "documents.recipient": "Nơi nhận văn bản",
    "documents.mailintake": "Thư gửi văn bản đến",
    "cases.caseassignment": "Phân công vụ án",
    "cases.casegrant": "Quyền xem vụ án",
    "cases.participant": "Người tham gia tố tụng",
    "cases.charge": "Tội danh",
    "cases.proceduralevent": "Quyết định tố tụng",
    "cases.computeddeadline": "Thời hạn tố tụng",
    "cases.exchangekey": "Khóa liên thông",
    "cases.caseexchange": "Tệp liên thông vụ án",
    "casefiles.volume": "Tập hồ sơ",
    "casefiles.document": "Tài liệu hồ sơ",
    "casefiles.upload": "Tệp tải lên hồ sơ",
    "casefiles.page": "Trang hồ sơ",
    "casefiles.pageversion": "Phiên bản trang hồ sơ",
    "casefiles.playlist": "Danh sách trình chiếu",
    "casefiles.presentation": "Buổi trình chiếu",
    "schedule.eventattachment": "Tài liệu đính kèm lịch",
    "schedule.hearing": "Phiên tòa",
    "schedule.feedtoken": "Đường dẫn đồng bộ lịch",
    "meetings.meeting": "Cuộc họp",
    "meetings.agendaitem": "Nội dung họp",
    "meetings.itemdocument": "Tài liệu họp",
    "meetings.participant": "Đại biểu dự họp",
    "meetings.opinion": "Ý kiến tại cuộc họp",
    "meetings.conclusion": "Kết luận cuộc họp",
    "meetings.vote": "Biểu quyết",
    "party.partyorganisation": "Tổ chức đảng",
    "party.partymember": "Đảng viên",
    "party.qualityrating": "Xếp loại đảng viên",
    "party.cellmeeting": "Sinh hoạt chi bộ",
}
