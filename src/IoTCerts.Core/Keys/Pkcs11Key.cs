using System.Security.Cryptography;

namespace IoTCerts.Core;

/// <summary>
/// Opens private keys that never leave a PKCS#11 token, through OpenSSL's <c>pkcs11</c> engine
/// (Debian/Ubuntu: libengine-pkcs11-openssl). The engine loads the module named by the <c>PKCS11_MODULE_PATH</c>
/// environment variable or by the OpenSSL configuration, and otherwise p11-kit's proxy (which includes the modules
/// p11-kit knows, such as SoftHSM). The keys sign in the token, so they work for certificate issuance and for TLS
/// client authentication alike.
/// </summary>
public static class Pkcs11Key
{
    /// <summary>
    /// Opens the private key named by an RFC 7512 URI, for example <c>pkcs11:token=iot;object=device-key;type=private</c>.
    /// </summary>
    /// <param name="uri">
    /// The PKCS#11 URI of the private key. It may carry the PIN as <c>?pin-value=…</c>, but then libp11 prints it to
    /// stderr when the key cannot be opened; prefer <paramref name="pin"/>, which travels through a pipe.
    /// </param>
    /// <param name="pin">The PIN, used when the URI carries none; null when the URI has it or the token needs none.</param>
    /// <returns>An <see cref="ECDsa"/> or <see cref="RSA"/> (OpenSSL-backed) whose private operations run in the token; the caller disposes it.</returns>
    /// <exception cref="MaterialException">
    /// The URI is not a PKCS#11 URI (<see cref="MaterialErrorCode.InvalidPkcs11Uri"/>), the engine is missing
    /// (<see cref="MaterialErrorCode.Pkcs11EngineUnavailable"/>), the PIN is wrong (<see cref="MaterialErrorCode.WrongPin"/>),
    /// no key matches (<see cref="MaterialErrorCode.TokenKeyNotFound"/>) or the token cannot be used
    /// (<see cref="MaterialErrorCode.TokenKeyUnavailable"/>). Messages name the URI without its PIN.
    /// </exception>
    public static AsymmetricAlgorithm Open(string uri, string? pin = null)
    {
        var parsed = Pkcs11Uri.Parse(uri);
        if (OperatingSystem.IsWindows())
        {
            throw new MaterialException(MaterialErrorCode.Pkcs11EngineUnavailable, "PKCS#11 token keys need OpenSSL's pkcs11 engine, which is not available on Windows");
        }

        SafeEvpPKeyHandle? handle = null;
        PinPipe? pinPipe = null;
        try
        {
            // libp11 prints the URI to stderr when a key cannot be opened: hand the PIN over through a pipe
            // (pin-source, RFC 7512 section 2.4) so that it never appears there.
            string target;
            if (pin is null || parsed.HasPin)
            {
                target = uri;
            }
            else if (OperatingSystem.IsLinux())
            {
                pinPipe = new PinPipe(pin);
                target = parsed.WithPinSource(pinPipe.Path);
            }
            else
            {
                target = parsed.WithPin(pin);
            }

            IReadOnlyList<string> errors = [];
            bool engineMissing = false;
            try
            {
                handle = OpenSslEngineLoader.TryLoad("pkcs11", target, out errors, out engineMissing);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                // Another OpenSSL than libcrypto.so.3: .NET's own loader works, only the cause is less precise.
                handle = SafeEvpPKeyHandle.OpenPrivateKeyFromEngine("pkcs11", target);
            }

            if (handle is null)
            {
                throw Classify(errors, engineMissing, parsed.WithoutPin, null);
            }

            try
            {
                return new ECDsaOpenSsl(handle);
            }
            catch (CryptographicException)
            {
                return new RSAOpenSsl(handle);
            }
        }
        catch (Exception ex) when (ex is CryptographicException or PlatformNotSupportedException or DllNotFoundException)
        {
            throw Classify([ex.Message], ex is not CryptographicException, parsed.WithoutPin, ex);
        }
        finally
        {
            // The OpenSsl key objects hold their own reference to the EVP_PKEY.
            handle?.Dispose();
            pinPipe?.Dispose();
        }
    }

    /// <summary>The URI without <c>pin-value</c> and <c>pin-source</c>, safe to store in configuration or print.</summary>
    /// <exception cref="MaterialException">The text is not a PKCS#11 URI (<see cref="MaterialErrorCode.InvalidPkcs11Uri"/>).</exception>
    public static string WithoutPin(string uri) => Pkcs11Uri.Parse(uri).WithoutPin;

    /// <summary>True when the text names a key in a token (starts with <c>pkcs11:</c>).</summary>
    public static bool IsPkcs11Uri(string? text) => text is not null && text.StartsWith("pkcs11:", StringComparison.OrdinalIgnoreCase);

    // libp11 reports the PKCS#11 return value (CKR_PIN_INCORRECT as "PIN incorrect") or its own "object not found"
    // in the OpenSSL error queue. The lines name no PIN: libp11 never puts the key id into the queue.
    private static MaterialException Classify(IReadOnlyList<string> errors, bool engineMissing, string safeUri, Exception? inner)
    {
        bool Has(string text) => errors.Any(e => e.Contains(text, StringComparison.OrdinalIgnoreCase));
        var detail = string.Join("; ", errors.Select(e => e.Length > 200 ? e[..200] : e));
        inner ??= new CryptographicException(detail);
        if (engineMissing || Has("DSO") || Has("no such engine") || Has("could not load the shared library") || Has("invalid engine"))
        {
            return new MaterialException(
                MaterialErrorCode.Pkcs11EngineUnavailable,
                $"the PKCS#11 key '{safeUri}' cannot be opened: OpenSSL's pkcs11 engine is not installed (Debian/Ubuntu: libengine-pkcs11-openssl) or the PKCS#11 module cannot be loaded (set PKCS11_MODULE_PATH)",
                inner);
        }

        if (Has("PIN locked"))
        {
            return new MaterialException(MaterialErrorCode.WrongPin, $"the token's user PIN is locked (too many wrong PINs), so the PKCS#11 key '{safeUri}' cannot be opened", inner);
        }

        if (Has("PIN incorrect") || Has("PIN len range") || Has("PIN invalid"))
        {
            return new MaterialException(MaterialErrorCode.WrongPin, $"the token refused the PIN for the PKCS#11 key '{safeUri}'", inner);
        }

        if (Has("object not found"))
        {
            return new MaterialException(MaterialErrorCode.TokenKeyNotFound, $"no private key in a token matches the PKCS#11 URI '{safeUri}' (check token=, object=/id= and type=private)", inner);
        }

        return new MaterialException(
            MaterialErrorCode.TokenKeyUnavailable,
            $"the PKCS#11 key '{safeUri}' could not be opened (is the token present, PKCS11_MODULE_PATH set, the object name right and the PIN right?): {detail}",
            inner);
    }
}
