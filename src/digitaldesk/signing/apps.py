import logging

from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "digitaldesk.signing"
    label = "signing"
    verbose_name = "Chữ ký số"

    def ready(self) -> None:
        from digitaldesk.core.nav import register_nav
        from digitaldesk.signing import checks, demo, widgets  # noqa: F401  (register checks, demo step, widget)

        register_nav("Ký số", "signing:home", order=80)
        # fontTools logs every font subset at INFO; pyHanko logs a traceback for every untrusted
        # chain.
        logging.getLogger("fontTools").setLevel(logging.ERROR)
        logging.getLogger("pyhanko.sign.validation.generic_cms").setLevel(logging.ERROR)
        # "revocation info will be embedded, but fetching is not allowed": by design
        # (docs/signing.md).
        logging.getLogger("pyhanko.sign.signers.pdf_signer").setLevel(logging.ERROR)
