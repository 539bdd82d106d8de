#!/usr/bin/env bash
# Regenerates device-chain.pem (device -> intermediate -> root, certificates only, no keys kept)
# with the real openssl CLI. The file is the README's main-job input; it is not a secret.
set -euo pipefail
cd "$(dirname "$0")"
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$t/root.key" -out "$t/root.pem" \
  -subj "/C=DE/O=IoTCerts Sample/CN=IoTCerts Sample Root CA" -days 7300 -sha256 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,digitalSignature,cRLSign,keyCertSign" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$t/int.key" -out "$t/int.csr" \
  -subj "/C=DE/O=IoTCerts Sample/CN=IoTCerts Sample Issuing CA" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,digitalSignature,cRLSign,keyCertSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\ncrlDistributionPoints=URI:http://127.0.0.1:8080/issuing.crl\n' > "$t/int.ext"
openssl x509 -req -in "$t/int.csr" -CA "$t/root.pem" -CAkey "$t/root.key" -CAcreateserial -days 3650 -sha256 -extfile "$t/int.ext" -out "$t/int.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$t/dev.key" -out "$t/dev.csr" \
  -subj "/O=IoTCerts Sample/CN=sample-device-0001" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\nsubjectAltName=DNS:sample-device-0001.devices.example,email:d:sensor:0001@example.com\n' > "$t/dev.ext"
openssl x509 -req -in "$t/dev.csr" -CA "$t/int.pem" -CAkey "$t/int.key" -CAcreateserial -days 3650 -sha256 -extfile "$t/dev.ext" -out "$t/dev.pem" 2>/dev/null
cat "$t/dev.pem" "$t/int.pem" "$t/root.pem" > device-chain.pem
openssl verify -CAfile "$t/root.pem" -untrusted "$t/int.pem" "$t/dev.pem"
