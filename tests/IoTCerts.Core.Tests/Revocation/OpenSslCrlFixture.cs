using IoTCerts.Core.Tests.Model;

namespace IoTCerts.Core.Tests.Revocation;

/// <summary>
/// A root → issuing CA → device PKI whose CRLs come from the real <c>openssl ca -gencrl</c>: the issuing CA revokes one
/// device (keyCompromise), the root revokes the issuing CA in a second CRL, an expired CRL, a CRL from an impostor CA
/// with the same name and another key, and a delta CRL (deltaCRLIndicator) on top of a base CRL.
/// </summary>
public sealed class OpenSslCrlFixture : IDisposable
{
    private readonly OpenSslWorkspace _w = new();

    public OpenSslCrlFixture()
    {
        _w.Write("v3.ext", """
            [req]
            distinguished_name = dn

            [dn]

            [root]
            basicConstraints = critical, CA:TRUE
            keyUsage = critical, keyCertSign, cRLSign
            subjectKeyIdentifier = hash

            [int]
            basicConstraints = critical, CA:TRUE, pathlen:0
            keyUsage = critical, keyCertSign, cRLSign
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid:always

            [leaf]
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature
            extendedKeyUsage = clientAuth
            authorityKeyIdentifier = keyid:always
            """);
        _w.Run("req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", "root.key", "-out", "root.pem",
            "-subj", "/O=IoTCerts/CN=CRL Root", "-days", "60", "-config", "v3.ext", "-extensions", "root");
        Issue("int", "/O=IoTCerts/CN=CRL Issuing CA", "root", "int", "4096");
        Issue("leaf", "/CN=revoked-device", "int", "leaf", "8193");
        Issue("leaf2", "/CN=good-device", "int", "leaf", "8194");
        Issue("leaf3", "/CN=delta-device", "int", "leaf", "8195");

        Database("int");
        Database("root");
        Database("fake");
        _w.Run("req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", "fake.key", "-out", "fake.pem",
            "-subj", "/O=IoTCerts/CN=CRL Issuing CA", "-days", "60", "-config", "v3.ext", "-extensions", "int");

        Ca("int", "-revoke", "leaf.pem", "-crl_reason", "keyCompromise");
        Ca("int", "-gencrl", "-out", "base.crl");
        Ca("int", "-gencrl", "-crlhours", "1", "-out", "expired.crl");
        Ca("int", "-revoke", "leaf3.pem", "-crl_reason", "superseded");
        Ca("int", "-gencrl", "-crlexts", "delta_ext", "-out", "delta.crl");
        Ca("root", "-gencrl", "-out", "root.crl");
        Ca("root", "-gencrl", "-crlexts", "idp_user", "-out", "root-users-only.crl");
        Ca("root", "-gencrl", "-crlexts", "idp_ca", "-out", "root-cas-only.crl");
        Ca("int", "-gencrl", "-crlexts", "idp_elsewhere", "-out", "partition.crl");
        Ca("root", "-revoke", "int.pem", "-crl_reason", "cACompromise");
        Ca("root", "-gencrl", "-out", "root-revoked.crl");
        Ca("fake", "-gencrl", "-out", "fake.crl");
    }

    public Certificate Cert(string name) => Certificate.Parse(_w.ReadDer(name + ".pem"));

    public CertificateRevocationList Crl(string name) => CertificateRevocationList.Parse(_w.ReadDer(name + ".crl", "X509 CRL"));

    public string PathOf(string name) => _w.PathOf(name);

    public void Dispose() => _w.Dispose();

    private void Issue(string name, string subject, string issuer, string extensions, string serial)
    {
        _w.Run("req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject);
        _w.Run("x509", "-req", "-in", name + ".csr", "-CA", issuer + ".pem", "-CAkey", issuer + ".key", "-set_serial", serial, "-days", "30",
            "-extfile", "v3.ext", "-extensions", extensions, "-out", name + ".pem");
    }

    // The base CRL number is 0x1000 (the crlnumber file is hex); the delta refers to it as its base.
    private void Database(string ca)
    {
        _w.Write(ca + "-index.txt", string.Empty);
        _w.Write(ca + "-crlnumber", "1000\n");
        _w.Write(ca + ".cnf", $"""
            [ca]
            default_ca = local

            [local]
            database = {ca}-index.txt
            crlnumber = {ca}-crlnumber
            default_md = sha256
            default_crl_days = 7
            crl_extensions = crl_ext

            [crl_ext]
            authorityKeyIdentifier = keyid:always

            [delta_ext]
            authorityKeyIdentifier = keyid:always
            2.5.29.27 = critical, ASN1:INTEGER:4096

            [idp_user]
            authorityKeyIdentifier = keyid:always
            issuingDistributionPoint = critical, @idp_user_section

            [idp_user_section]
            onlyuser = TRUE

            [idp_ca]
            authorityKeyIdentifier = keyid:always
            issuingDistributionPoint = critical, @idp_ca_section

            [idp_ca_section]
            onlyCA = TRUE

            [idp_elsewhere]
            authorityKeyIdentifier = keyid:always
            issuingDistributionPoint = critical, @idp_elsewhere_section

            [idp_elsewhere_section]
            fullname = URI:http://crl.example/partition-7.crl
            """);
    }

    private void Ca(string ca, params string[] arguments) =>
        _w.Run(["ca", "-config", ca + ".cnf", "-keyfile", ca + ".key", "-cert", ca + ".pem", .. arguments]);
}
