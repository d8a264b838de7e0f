#!/bin/sh
# Makes the PEM fixtures of PemKeysTest with the openssl CLI (run once, from this directory; the keys are
# throw-away test data made here). OpenSSL 3.0 writes each format the way QEMU's users' files come:
#   *-cert.pem               self-signed certificate of each key (what the key must match)
#   rsa-pkcs8.pem            "PRIVATE KEY" (openssl genpkey's default)
#   rsa-pkcs1.pem            "RSA PRIVATE KEY" (-traditional)
#   rsa-pkcs1-aes256.pem     PKCS#1 with OpenSSL's traditional encryption, AES-256-CBC (Proc-Type/DEK-Info)
#   rsa-pkcs1-des3.pem       the same with DES-EDE3-CBC
#   rsa-pkcs8-enc.pem        "ENCRYPTED PRIVATE KEY", PBES2 (PBKDF2 with HMAC-SHA256, AES-256-CBC)
#   rsa-pkcs8-enc-v1.pem     "ENCRYPTED PRIVATE KEY", PKCS#5 v1.5/PKCS#12 PBE (pbeWithSHA1And3-KeyTripleDES-CBC)
#   ec-sec1.pem              "EC PRIVATE KEY" (SEC1, P-256)
#   ec-sec1-aes256.pem       SEC1 with traditional AES-256-CBC encryption
#   ed25519-pkcs8.pem        Ed25519 "PRIVATE KEY"
# Every password is the one in PASSWORD below.
set -eu
PASSWORD=spice-test-pass
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa-pkcs8.pem
openssl pkey -in rsa-pkcs8.pem -traditional -out rsa-pkcs1.pem
openssl rsa -in rsa-pkcs8.pem -traditional -aes256 -passout pass:$PASSWORD -out rsa-pkcs1-aes256.pem
openssl rsa -in rsa-pkcs8.pem -traditional -des3 -passout pass:$PASSWORD -out rsa-pkcs1-des3.pem
openssl pkcs8 -topk8 -in rsa-pkcs8.pem -v2 aes-256-cbc -v2prf hmacWithSHA256 -passout pass:$PASSWORD -out rsa-pkcs8-enc.pem
openssl pkcs8 -topk8 -in rsa-pkcs8.pem -v1 PBE-SHA1-3DES -passout pass:$PASSWORD -out rsa-pkcs8-enc-v1.pem
openssl req -x509 -new -key rsa-pkcs8.pem -subj /CN=spice-test-rsa -days 36500 -out rsa-cert.pem
openssl ecparam -name prime256v1 -genkey -noout -out ec-sec1.pem
openssl ec -in ec-sec1.pem -aes256 -passout pass:$PASSWORD -out ec-sec1-aes256.pem
openssl req -x509 -new -key ec-sec1.pem -subj /CN=spice-test-ec -days 36500 -out ec-cert.pem
openssl genpkey -algorithm ed25519 -out ed25519-pkcs8.pem
openssl req -x509 -new -key ed25519-pkcs8.pem -subj /CN=spice-test-ed25519 -days 36500 -out ed25519-cert.pem
