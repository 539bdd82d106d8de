#!/usr/bin/env bash
# NativeAOT check (called by ./build.sh aot-check): publishes samples/DeviceAot with PublishAot, requires zero
# warnings, then runs the native binary against a real mosquitto on 127.0.0.1 (free port, mutual TLS) with a
# root -> intermediate -> broker/device PKI made on the spot with openssl. Passes when the device exits 0 and a
# mosquitto_sub subscriber received the message it published with QoS 1.
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
broker_pid=""
sub_pid=""
cleanup() {
  [ -n "$sub_pid" ] && kill "$sub_pid" 2>/dev/null || true
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true
  [ -n "${AOT_KEEP:-}" ] && echo "aot-check: kept $work" || rm -rf "$work"
}
trap cleanup EXIT

# 1. Publish. TreatWarningsAsErrors already turns trim/AOT warnings into errors; the count makes it visible.
out="$work/publish"
log="$work/publish.log"
if [ -n "${AOT_BINARY:-}" ]; then  # reuse a binary published before (quick reruns)
  echo "aot-check: using $AOT_BINARY"
elif ! dotnet publish samples/DeviceAot -c Release -r linux-x64 -p:PublishAot=true -nologo -o "$out" >"$log" 2>&1; then
  cat "$log"
  echo "aot-check: publish failed" >&2
  exit 1
fi
[ -z "${AOT_BINARY:-}" ] || : >"$log"
warnings=$(grep -cE ': warning [A-Z]+[0-9]+' "$log" || true)
if [ "$warnings" -ne 0 ]; then
  grep -E ': warning [A-Z]+[0-9]+' "$log" | sort -u
  echo "aot-check: $warnings trim/AOT warning(s)" >&2
  exit 1
fi
binary="${AOT_BINARY:-$out/device-aot}"
echo "aot-check: published $(basename "$binary") ($(( $(stat -c %s "$binary") / 1024 )) KiB native, 0 warnings)"

# 2. A throw-away PKI: root CA -> intermediate CA -> broker (serverAuth, IP:127.0.0.1) and devices (clientAuth).
pki="$work/pki"
mkdir -p "$pki"
cd "$pki"
key() { openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$1.key"; }
sign() { # sign <name> <subject> <issuer> <extensions>
  printf '%s\n' "$4" >"$1.ext"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days 2 -sha256 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
key root
openssl req -x509 -new -key root.key -subj "/CN=AOT Check Root CA" -days 2 -sha256 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash" -out root.pem
key issuing
sign issuing "/CN=AOT Check Issuing CA" root "basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid"
for leaf in broker device subscriber; do
  key "$leaf"
  if [ "$leaf" = broker ]; then eku=serverAuth; san="subjectAltName=IP:127.0.0.1,DNS:localhost"; else eku=clientAuth; san="subjectAltName=DNS:$leaf.local"; fi
  sign "$leaf" "/CN=aot-$leaf" issuing "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=$eku
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
$san"
done
key other-root
openssl req -x509 -new -key other-root.key -subj "/CN=AOT Check Root CA" -days 2 -sha256 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out other-root.pem
cat broker.pem issuing.pem >broker-chain.pem
cat subscriber.pem issuing.pem >subscriber-chain.pem
cd - >/dev/null

# 3. mosquitto with mutual TLS on a free port.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
# As root (CI), stay root: the files live in a private temporary directory.
user root
cafile $pki/root.pem
certfile $pki/broker-chain.pem
keyfile $pki/broker.key
require_certificate true
log_dest file $work/mosquitto.log
log_type all
EOF
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.out" 2>&1 &
broker_pid=$!
for _ in $(seq 1 100); do
  grep -q "Opening ipv4 listen socket on port $port" "$work/mosquitto.log" 2>/dev/null && break
  kill -0 "$broker_pid" 2>/dev/null || { cat "$work/mosquitto.out" "$work/mosquitto.log" 2>/dev/null; echo "aot-check: mosquitto did not start" >&2; exit 1; }
  sleep 0.1
done

topic="iotcerts/aot-check/$$"
message="device-aot $(date -u +%s%N)"
mosquitto_sub -h 127.0.0.1 -p "$port" --cafile "$pki/root.pem" --cert "$pki/subscriber-chain.pem" --key "$pki/subscriber.key" \
  -i aot-subscriber -t "$topic" -q 1 -C 1 -W 90 >"$work/received.txt" 2>"$work/sub.err" &
sub_pid=$!
for _ in $(seq 1 300); do
  grep -q "Received SUBSCRIBE from aot-subscriber" "$work/mosquitto.log" 2>/dev/null && break
  kill -0 "$sub_pid" 2>/dev/null || { cat "$work/sub.err"; echo "aot-check: mosquitto_sub ended early" >&2; exit 1; }
  sleep 0.1
done

# 4. The native device: identity from files, broker chain through Core's ChainValidator, one QoS 1 publish.
set +e
"$binary" --host 127.0.0.1 --port "$port" --cert "$pki/device.pem" --key "$pki/device.key" --chain "$pki/issuing.pem" \
  --trust "$pki/root.pem" --topic "$topic" --message "$message"
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  tail -20 "$work/mosquitto.log"
  echo "aot-check: device-aot exited $rc" >&2
  exit 1
fi
wait "$sub_pid" || { cat "$work/sub.err"; echo "aot-check: the subscriber got nothing" >&2; sub_pid=""; exit 1; }
sub_pid=""
received="$(cat "$work/received.txt")"
if [ "$received" != "$message" ]; then
  echo "aot-check: the subscriber got '$received', expected '$message'" >&2
  exit 1
fi
grep -q "Received PUBLISH from .* (d0, q1, r0, m[0-9]*, '$topic'" "$work/mosquitto.log" \
  || { echo "aot-check: the broker did not log a QoS 1 PUBLISH" >&2; exit 1; }
# 5. The same device trusting another root of the same name must refuse the broker (exit 1), before any CONNECT.
set +e
"$binary" --host 127.0.0.1 --port "$port" --cert "$pki/device.pem" --key "$pki/device.key" --chain "$pki/issuing.pem" \
  --trust "$pki/other-root.pem" --topic "$topic" --message "must not arrive" >"$work/refused.out" 2>&1
rc=$?
set -e
if [ "$rc" -ne 1 ]; then
  cat "$work/refused.out"
  echo "aot-check: device-aot trusting another root exited $rc, expected 1" >&2
  exit 1
fi
echo "aot-check: another root refused: $(grep -m1 'device-aot:' "$work/refused.out")"
echo "aot-check: ok (device-aot exit 0; mosquitto_sub on 127.0.0.1:$port received '$received' at QoS 1)"
