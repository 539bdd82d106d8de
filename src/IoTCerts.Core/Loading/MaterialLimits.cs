namespace IoTCerts.Core;

/// <summary>
/// Bounds applied while reading untrusted certificate material, so a hostile file cannot exhaust memory
/// or CPU. Each bound, when exceeded, stops loading with its own <see cref="MaterialErrorCode"/>.
/// </summary>
public sealed class MaterialLimits
{
    /// <summary>
    /// The defaults: 16 MiB, 10,000 objects (1,000 PEM blocks, 1,000 PKCS#12 bags), nesting depth 32, 600,000 KDF
    /// iterations per object and 2,000,000 per input (150,000 without a password), 100,000 PKCS#12 MAC iterations,
    /// 64 KiB PEM lines. At these defaults an input costs about 100 ms of CPU without a password and about 1 s with it.
    /// </summary>
    public static MaterialLimits Default { get; } = new();

    /// <summary>Largest accepted input in bytes (<see cref="MaterialErrorCode.InputTooLarge"/>). Default 16 MiB.</summary>
    public long MaxInputBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>
    /// Most objects (PEM blocks, PKCS#7 certificates, PKCS#12 bags) in one input
    /// (<see cref="MaterialErrorCode.TooManyObjects"/>). Default 10,000.
    /// </summary>
    public int MaxObjects { get; init; } = 10_000;

    /// <summary>Deepest accepted ASN.1 nesting of constructed values (<see cref="MaterialErrorCode.NestingTooDeep"/>). Default 32.</summary>
    public int MaxNestingDepth { get; init; } = 32;

    /// <summary>
    /// Highest accepted PBKDF2 / PKCS#12 KDF iteration count of one object (<see cref="MaterialErrorCode.WorkFactorTooHigh"/>);
    /// checked before any key derivation runs. Default 600,000, OWASP's figure for PBKDF2-HMAC-SHA256 and what IoTCerts
    /// writes for encrypted PKCS#8 (hostile files ask for 2^31 - 1).
    /// </summary>
    public int MaxKdfIterations { get; init; } = 600_000;

    /// <summary>
    /// Most key-derivation iterations one input may cause in total, over all its keys, safes and MAC checks
    /// (<see cref="MaterialErrorCode.WorkFactorTooHigh"/>); charged before each derivation. Default 2,000,000 (about 1 s).
    /// </summary>
    public long MaxKdfIterationsPerInput { get; init; } = 2_000_000;

    /// <summary>
    /// Most key-derivation iterations spent trying the empty passphrase when none was given (a PKCS#12 MAC or
    /// encrypted bag); beyond it the load stops with <see cref="MaterialErrorCode.PassphraseRequired"/>. Default
    /// 150,000: one check of a file written by IoTCerts (100,000 iterations), about 100 ms at most.
    /// </summary>
    public long MaxKdfIterationsWithoutPassword { get; init; } = 150_000;

    /// <summary>
    /// Highest accepted PKCS#12 MAC iteration count (<see cref="MaterialErrorCode.WorkFactorTooHigh"/>), checked before
    /// the MAC key is derived, that is before any password is known to be right. Default 100,000 (IoTCerts writes
    /// 100,000, Java 10,000, OpenSSL 2,048).
    /// </summary>
    public int MaxPkcs12MacIterations { get; init; } = 100_000;

    /// <summary>Most PEM blocks in one input (<see cref="MaterialErrorCode.TooManyObjects"/>). Default 1,000.</summary>
    public int MaxPemBlocks { get; init; } = 1_000;

    /// <summary>Most bags (and contents) in one PKCS#12 file (<see cref="MaterialErrorCode.TooManyObjects"/>). Default 1,000.</summary>
    public int MaxPkcs12Bags { get; init; } = 1_000;

    /// <summary>Longest accepted PEM line, header lines included (<see cref="MaterialErrorCode.InputTooLarge"/>). Default 64 KiB.</summary>
    public int MaxPemLineLength { get; init; } = 64 * 1024;

    internal void Validate()
    {
        if (MaxInputBytes <= 0 || MaxObjects <= 0 || MaxNestingDepth <= 0 || MaxKdfIterations <= 0 || MaxPemLineLength <= 0
            || MaxKdfIterationsPerInput <= 0 || MaxKdfIterationsWithoutPassword < 0 || MaxPkcs12MacIterations <= 0 || MaxPemBlocks <= 0 || MaxPkcs12Bags <= 0)
        {
            throw new ArgumentException("every material limit must be positive", nameof(MaterialLimits));
        }
    }
}

/// <summary>How <see cref="MaterialLoader"/> reads material.</summary>
public sealed class LoadOptions
{
    /// <summary>The passphrase for encrypted keys and PKCS#12 files; <see langword="null"/> when none was given.</summary>
    public string? Password { get; init; }

    /// <summary>
    /// The password of key entries in a keystore whose keys are protected apart from the store (Java JKS, as keytool
    /// <c>-keypass</c> sets it); <see langword="null"/> means the same as <see cref="Password"/>, keytool's default.
    /// </summary>
    public string? KeyPassword { get; init; }

    /// <summary>Bounds for untrusted input; <see cref="MaterialLimits.Default"/> unless set.</summary>
    public MaterialLimits Limits { get; init; } = MaterialLimits.Default;
}
