using IoTCerts.Issuance;

// Usage: CrashHelper <ca-dir> <passphrase> <name-prefix> <count> [<compact-after-transactions>]
// Issues <count> rounds of device certificates (CN=<prefix>-<n>-<m>) and prints "issued <serial>" after each one is committed,
// so the parent knows which serials were acknowledged before it killed us.
if (args.Length is not (4 or 5))
{
    Console.Error.WriteLine("usage: CrashHelper <ca-dir> <passphrase> <name-prefix> <count> [<compact-after-transactions>]");
    return 2;
}

// A low compaction threshold makes kills also hit journal compactions, not only appends.
var compactAfter = args.Length == 5 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 1024;
using var ca = CertificateAuthority.Open(new DirectoryCaDatabase(args[0]) { CompactAfterTransactions = compactAfter }, args[1]);
using var key = SigningKey.Generate(KeyAlgorithm.EcP256);
Console.Out.WriteLine("ready");
Console.Out.Flush();
var count = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
for (var i = 0; i < count; i++)
{
    // Every third step issues a batch of four in one transaction, so kills also hit batch commits.
    var size = i % 3 == 2 ? 4 : 1;
    var requests = Enumerable.Range(0, size).Select(j => new IssuanceRequest
    {
        Subject = DistinguishedNames.Parse($"CN={args[2]}-{i}-{j}"),
        PublicKey = key.PublicKey,
        Profile = CertificateProfile.Device(),
    }).ToList();
    foreach (var issued in ca.IssueBatch(requests))
    {
        Console.Out.WriteLine($"issued {issued.SerialNumber}");
    }

    Console.Out.Flush();
}

return 0;
