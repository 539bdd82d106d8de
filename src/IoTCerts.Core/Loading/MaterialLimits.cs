namespace IoTCerts.Core;

/// <summary>
/// Bounds applied while reading untrusted certificate material, so a hostile file cannot exhaust memory
/// or CPU. Each bound, when exceeded, stops loading with its own <see cref="MaterialErrorCode"/>.
/// </summary>
public sealed class MaterialLimits
{
    /// <summary>The defaults: 16 MiB, 10,000 objects, nesting depth 32, 1,000,000 KDF iterations, 64 KiB PEM lines.</summary>
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
    /// Highest accepted PBKDF2 / PKCS#12 KDF iteration count (<see cref="MaterialErrorCode.WorkFactorTooHigh"/>);
    /// checked before any key derivation runs. Default 1,000,000 (hostile files ask for 2^31 - 1).
    /// </summary>
    public int MaxKdfIterations { get; init; } = 1_000_000;

    /// <summary>Longest accepted PEM line, header lines included (<see cref="MaterialErrorCode.InputTooLarge"/>). Default 64 KiB.</summary>
    public int MaxPemLineLength { get; init; } = 64 * 1024;

    internal void Validate()
    {
        if (MaxInputBytes <= 0 || MaxObjects <= 0 || MaxNestingDepth <= 0 || MaxKdfIterations <= 0 || MaxPemLineLength <= 0)
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

    /// <summary>Bounds for untrusted input; <see cref="MaterialLimits.Default"/> unless set.</summary>
    public MaterialLimits Limits { get; init; } = MaterialLimits.Default;
}
