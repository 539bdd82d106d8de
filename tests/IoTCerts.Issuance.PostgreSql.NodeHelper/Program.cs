// One CA node: opens the CA on the shared PostgreSQL database and issues certificates, printing a line per committed
// certificate ("ISSUED serial commonName") so the parent can check nothing it was told about is lost.
//
//   node <connection> <schema> <keyFile> <prefix> <count> <batch> [revoke] [shared:N]
//
// count 0 issues until killed. "revoke" revokes this node's certificates afterwards ("REVOKED serial"); "shared:N"
// first tries the names shared-0..shared-N-1 that every node tries too ("ISSUED" or "REFUSED code name").
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Issuance;
using IoTCerts.Issuance.PostgreSql;

var connection = args[0];
var schema = args[1];
var keyFile = args[2];
var prefix = args[3];
var count = int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture);
var batch = int.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture);
var revoke = args.Contains("revoke");
var shared = args.FirstOrDefault(a => a.StartsWith("shared:", StringComparison.Ordinal)) is { } s ? int.Parse(s[7..], System.Globalization.CultureInfo.InvariantCulture) : 0;

using var database = new PostgreSqlCaDatabase(new PostgreSqlCaDatabaseOptions { ConnectionString = connection, Schema = schema, KeyFile = keyFile, Actor = "node-" + prefix });
using var ca = CertificateAuthority.Open(database, passphrase: null);
using var deviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
var publicKey = new CertificateRequest("CN=x", deviceKey, HashAlgorithmName.SHA256).PublicKey;
var output = Console.Out;

IssuanceRequest Request(string cn) => new()
{
    Subject = new X500DistinguishedName("CN=" + cn),
    PublicKey = publicKey,
    Profile = CertificateProfile.Device(),
};

for (var i = 0; i < shared; i++)
{
    var name = "shared-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
    try
    {
        var one = ca.Issue(Request(name));
        output.WriteLine($"ISSUED {one.Record.SerialNumber} {name}");
    }
    catch (IssuanceException e)
    {
        output.WriteLine($"REFUSED {e.CodeString} {name}");
    }

    output.Flush();
}

var mine = new List<string>();
for (var next = 0; count == 0 || next < count;)
{
    var size = count == 0 ? batch : Math.Min(batch, count - next);
    var requests = Enumerable.Range(next, size).Select(i => Request($"{prefix}-{i}")).ToList();
    var issued = size == 1 ? [ca.Issue(requests[0])] : ca.IssueBatch(requests, maxDegreeOfParallelism: 1);
    foreach (var c in issued)
    {
        mine.Add(c.Record.SerialNumber);
        output.WriteLine($"ISSUED {c.Record.SerialNumber} {c.Record.CommonName}");
    }

    output.Flush();
    next += size;
}

if (revoke)
{
    foreach (var serial in mine)
    {
        ca.Revoke(serial, X509RevocationReason.CessationOfOperation);
        output.WriteLine($"REVOKED {serial}");
    }

    output.Flush();
}

return 0;
