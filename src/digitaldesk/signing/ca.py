"""The internal demo certification authority (root CA + issuing CA + TSA).

Generated once into the data directory (DESK_SIGNING_DEMO_CA_DIR, default
<DESK_DATA_DIR>/signing/demo-ca) and reused afterwards. It stands in for the
Ban Cơ yếu Chính phủ government-service CA (NĐ 68/2024/NĐ-CP) in the demo and
in tests: real X.509 certificates, a real CRL and a real RFC 3161 TSA
certificate, so that signing, verification, revocation and `pdfsig` run on
exactly the code paths a production CA would use. Never trust it in
production: an operator uploads the real roots on the trust-roots page.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from digitaldesk.signing import conf

ROOT_NAME = "Demo Root CA — Bàn làm việc số VKSND"
ISSUING_NAME = "Demo Issuing CA — Bàn làm việc số VKSND"
TSA_NAME = "Demo TSA — Bàn làm việc số VKSND"
ORG = "Viện kiểm sát nhân dân (dữ liệu mẫu)"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def fit64(text: str) -> str:
    """X.520 limits CN, O and OU to 64 characters and `cryptography` counts UTF-8 bytes: cut
    Vietnamese text (2–3 bytes a letter) at a character boundary."""
    text = text.strip()
    while len(text.encode("utf-8")) > 64:
        text = text[:-1]
    return text.rstrip(" ,-—(") or "?"


def _name(cn: str, org: str = ORG, ou: str = "", email: str = "") -> x509.Name:
    parts = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, fit64(org or ORG)),
    ]
    if ou:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, fit64(ou)))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, fit64(cn)))
    if email:
        parts.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    return x509.Name(parts)


def new_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write_key(path: Path, key: RSAPrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _ski(key: RSAPrivateKey) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key())


@dataclass
class DemoCA:
    directory: Path
    root_key: RSAPrivateKey
    root: x509.Certificate
    issuing_key: RSAPrivateKey
    issuing: x509.Certificate
    tsa_key: RSAPrivateKey
    tsa: x509.Certificate
    crl_base_url: str = ""

    @property
    def chain(self) -> list[x509.Certificate]:
        """Issuing CA then root: what a signer embeds besides its own certificate."""
        return [self.issuing, self.root]

    # -- creation -------------------------------------------------------------------
    @classmethod
    def exists(cls, directory: Path | None = None) -> bool:
        return ((directory or conf.demo_ca_dir()) / "state.json").exists()

    @classmethod
    def load_or_create(cls, directory: Path | None = None, crl_base_url: str = "") -> DemoCA:
        """Load the demo CA from `directory`, generating it on first use.

        1. Root CA (20 years), self-signed, path length 1.
        2. Issuing CA (10 years) below the root, path length 0.
        3. TSA certificate (10 years) from the issuing CA, EKU timeStamping (critical, RFC 3161
           §2.3).
        The files are written last-to-first with state.json as the commit marker,
        so an interrupted generation is simply redone.
        """
        directory = directory or conf.demo_ca_dir()
        if (directory / "state.json").exists():
            return cls._load(directory, crl_base_url)
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o700)
        # Two processes starting together (web and worker) must not both generate a CA.
        with (directory / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if (directory / "state.json").exists():
                return cls._load(directory, crl_base_url)
            return cls._generate(directory, crl_base_url)

    @classmethod
    def _generate(cls, directory: Path, crl_base_url: str) -> DemoCA:
        now = _now() - dt.timedelta(days=1)
        root_key = new_key()
        root_name = _name(ROOT_NAME)
        root = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=20 * 365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(_ski(root_key), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        issuing_key = new_key()
        issuing = (
            x509.CertificateBuilder()
            .subject_name(_name(ISSUING_NAME))
            .issuer_name(root_name)
            .public_key(issuing_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=10 * 365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(_ski(issuing_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                critical=False,
            )
            .sign(root_key, hashes.SHA256())
        )
        tsa_key = new_key()
        tsa = (
            x509.CertificateBuilder()
            .subject_name(_name(TSA_NAME))
            .issuer_name(issuing.subject)
            .public_key(tsa_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=10 * 365 - 2))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuing_key.public_key()),
                critical=False,
            )
            .sign(issuing_key, hashes.SHA256())
        )
        for stem, key, cert in (
            ("root", root_key, root),
            ("issuing", issuing_key, issuing),
            ("tsa", tsa_key, tsa),
        ):
            _write_key(directory / f"{stem}.key", key)
            _write_cert(directory / f"{stem}.crt", cert)
        (directory / "state.json").write_text(
            json.dumps({"created": _now().isoformat()}), encoding="utf-8"
        )
        return cls(directory, root_key, root, issuing_key, issuing, tsa_key, tsa, crl_base_url)

    @classmethod
    def _load(cls, directory: Path, crl_base_url: str) -> DemoCA:
        def key(stem: str) -> RSAPrivateKey:
            loaded = serialization.load_pem_private_key(
                (directory / f"{stem}.key").read_bytes(), None
            )
            if not isinstance(loaded, RSAPrivateKey):
                raise TypeError(f"{stem}.key of the demo CA is not an RSA key")
            return loaded

        def cert(stem: str) -> x509.Certificate:
            return x509.load_pem_x509_certificate((directory / f"{stem}.crt").read_bytes())

        return cls(
            directory,
            key("root"),
            cert("root"),
            key("issuing"),
            cert("issuing"),
            key("tsa"),
            cert("tsa"),
            crl_base_url,
        )

    # -- issuing --------------------------------------------------------------------
    def issue(
        self,
        *,
        common_name: str,
        organisation: str,
        unit: str = "",
        email: str = "",
        public_key: rsa.RSAPublicKey | None = None,
        not_before: dt.datetime | None = None,
        days: int = 3 * 365,
    ) -> tuple[RSAPrivateKey | None, x509.Certificate]:
        """Issue an end-entity signing certificate (digitalSignature + nonRepudiation).

        With `public_key` (e.g. a key generated inside a PKCS#11 token) no private key is
        generated or returned.
        """
        key: RSAPrivateKey | None = None
        if public_key is None:
            key = new_key()
            public_key = key.public_key()
        pub = public_key
        start = not_before or (_now() - dt.timedelta(minutes=5))
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name, organisation, unit, email))
            .issuer_name(self.issuing.subject)
            .public_key(pub)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.issuing_key.public_key()),
                critical=False,
            )
        )
        if self.crl_base_url:
            builder = builder.add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            full_name=[
                                x509.UniformResourceIdentifier(f"{self.crl_base_url}issuing.crl")
                            ],
                            relative_name=None,
                            reasons=None,
                            crl_issuer=None,
                        )
                    ]
                ),
                critical=False,
            )
        cert = builder.sign(self.issuing_key, hashes.SHA256())
        return key, cert

    def pkcs12(
        self, key: RSAPrivateKey, cert: x509.Certificate, passphrase: str, friendly_name: str = ""
    ) -> bytes:
        """A PKCS#12 file (AES-256, PBKDF2) holding the key, its certificate and the CA chain."""
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(10000)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .hmac_hash(hashes.SHA256())
            .build(passphrase.encode("utf-8"))
        )
        return pkcs12.serialize_key_and_certificates(
            (friendly_name or "chu-ky-so").encode("utf-8"), key, cert, self.chain, encryption
        )

    # -- revocation -----------------------------------------------------------------
    def crl(
        self,
        revoked: list[tuple[int, dt.datetime]],
        *,
        number: int,
        issuer: str = "issuing",
        next_update_days: int = 30,
    ) -> x509.CertificateRevocationList:
        """A CRL (RFC 5280) of the issuing CA (or of the root, for the issuing CA itself)."""
        key, cert = (
            (self.issuing_key, self.issuing) if issuer == "issuing" else (self.root_key, self.root)
        )
        now = _now() - dt.timedelta(minutes=1)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(cert.subject)
            .last_update(now)
            .next_update(now + dt.timedelta(days=next_update_days))
            .add_extension(x509.CRLNumber(number), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
            )
        )
        for serial, when in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(when)
                .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
                .build()
            )
        return builder.sign(key, hashes.SHA256())


def random_pin() -> str:
    return f"{secrets.randbelow(10**6):06d}"
