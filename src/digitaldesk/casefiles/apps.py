from django.apps import AppConfig


class CasefilesConfig(AppConfig):
    name = "digitaldesk.casefiles"
    label = "casefiles"
    verbose_name = "Số hóa hồ sơ vụ án"
