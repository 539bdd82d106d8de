// The tests call Unix tools (openssl, keytool, softhsm2) and check Unix file modes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
