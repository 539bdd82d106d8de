using System.Security.Cryptography;

namespace IoTCerts.Platform.Cumulocity;

/// <summary>One-time passwords for enrollment with the certificate-authority feature (8-32 characters).</summary>
public static class OneTimePassword
{
    /// <summary>The shortest password the platform accepts.</summary>
    public const int MinLength = 8;

    /// <summary>The longest password the platform accepts.</summary>
    public const int MaxLength = 32;

    // Letters and digits without look-alikes (0/O, 1/l/I): operators type these from labels.
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    /// <summary>A cryptographically random password of <paramref name="length"/> characters (default 16, about 93 bits).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Length outside 8..32.</exception>
    public static string Generate(int length = 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, MinLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxLength);
        return RandomNumberGenerator.GetString(Alphabet, length);
    }

    /// <summary>Whether <paramref name="password"/> has 8-32 printable ASCII characters and no separator-like characters.</summary>
    public static bool IsAcceptable(string? password) =>
        password is { Length: >= MinLength and <= MaxLength }
        && password.All(c => c is > ' ' and < (char)127 and not (';' or ',' or '"'));
}
