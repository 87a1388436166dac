#!/usr/bin/env bash
# Installs what the desk needs on a fresh Debian machine (as root): Debian packages,
# a Python virtual environment in .venv and the pinned Python dependencies.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-vie     # OCR (Vietnamese)
  poppler-utils qpdf ghostscript      # pdftoppm, pdfsig, pdftotext; PDF repair; PDF/A
  ocrmypdf unpaper                    # OCR of PDFs (compared against in the benchmark)
  libreoffice-writer-nogui            # DOCX -> PDF for drafts
  fonts-liberation fonts-dejavu-core  # Liberation Serif is metric-compatible with Times New Roman
  fonts-liberation2                   # Liberation 2.x: has the precomposed Vietnamese letters (1.07 lacks ệ, ạ…)
  chromium                            # browser tests (driven by Playwright, no browser download)
  postgresql redis-server             # production-like database and cache for tests
  libcairo2 fonts-dejavu-extra        # cases: mind map PNG/PDF (CairoSVG), Vietnamese PDF reports
  softhsm2                            # PKCS#11 token for the signing tests (stands in for a USB token)
  dovecot-imapd                       # documents: a real IMAP server for the e-mail intake test (loopback only)
  dovecot-lmtpd postfix               # mail: the agency's mail servers for the official e-mail tests (loopback only)
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo ">> Cài gói Debian: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PYTHON=${DESK_PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  echo ">> Tạo môi trường Python .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo ">> Cài thư viện Python"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[test]" -c constraints.txt  # every version pinned, transitive ones too
  rm -f .venv/.installed-*
  touch "$stamp"
fi
