namespace IoTCerts.Core;

/// <summary>Accumulates what one load finds and enforces <see cref="MaterialLimits.MaxObjects"/>.</summary>
internal sealed class MaterialCollector
{
    private readonly MaterialLimits limits;
    private readonly List<Certificate> certificates = new();
    private readonly List<MaterialOrigin> certificateOrigins = new();
    private readonly List<PrivateKey> keys = new();
    private readonly List<CertificationRequest> requests = new();
    private readonly List<CertificateRevocationList> crls = new();
    private readonly List<SkippedItem> skipped = new();
    private int objects;
    private int pkcs12Bags;

    public MaterialCollector(MaterialLimits limits)
    {
        this.limits = limits;
        Kdf = new KdfBudget(limits);
    }

    /// <summary>The key-derivation work left for this input.</summary>
    public KdfBudget Kdf { get; }

    /// <summary>Counts one PKCS#12 bag or content (and one object).</summary>
    public void CountPkcs12Bag()
    {
        if (++pkcs12Bags > limits.MaxPkcs12Bags)
        {
            throw new MaterialException(MaterialErrorCode.TooManyObjects, $"the PKCS#12 file holds more than {limits.MaxPkcs12Bags} bags");
        }

        CountObject();
    }

    public bool HasItems => certificates.Count + keys.Count + requests.Count + crls.Count > 0;

    public IReadOnlyList<SkippedItem> SkippedItems => skipped;

    public void CountObject()
    {
        if (++objects > limits.MaxObjects)
        {
            throw new MaterialException(MaterialErrorCode.TooManyObjects, $"the input holds more than {limits.MaxObjects} objects");
        }
    }

    public void AddCertificate(Certificate certificate, MaterialOrigin origin)
    {
        certificates.Add(certificate);
        certificateOrigins.Add(origin);
    }

    public void AddKey(PrivateKey key) => keys.Add(key);

    public void AddRequest(CertificationRequest request) => requests.Add(request);

    public void AddCrl(CertificateRevocationList crl) => crls.Add(crl);

    public void Skip(string description, string reason)
    {
        CountObject();
        skipped.Add(new SkippedItem(description, reason));
    }

    public LoadedMaterial Build(MaterialFormat format) =>
        new(format, certificates.ToArray(), certificateOrigins.ToArray(), keys.ToArray(), requests.ToArray(), crls.ToArray(), skipped.ToArray());
}
