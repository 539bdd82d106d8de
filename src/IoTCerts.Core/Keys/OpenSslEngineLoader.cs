using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace IoTCerts.Core;

/// <summary>
/// Loads a private key through an OpenSSL engine the way <see cref="SafeEvpPKeyHandle.OpenPrivateKeyFromEngine"/>
/// does (ENGINE_by_id, ENGINE_init, ENGINE_load_private_key), but keeps the whole OpenSSL error queue: libp11 puts the
/// real cause (PIN incorrect, object not found) below the engine's generic "failed loading private key", which is
/// the only line .NET keeps. Retrying to learn the cause is not an option: every wrong PIN counts towards the
/// token's lockout.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class OpenSslEngineLoader
{
    private const string LibCrypto = "libcrypto.so.3";

    /// <summary>Loads the key; on failure returns null and the OpenSSL error lines (oldest first).</summary>
    /// <exception cref="DllNotFoundException">libcrypto.so.3 is not the OpenSSL in use (callers fall back to .NET's loader).</exception>
    public static SafeEvpPKeyHandle? TryLoad(string engineId, string keyId, out IReadOnlyList<string> errors, out bool engineMissing)
    {
        IntPtr id = Marshal.StringToCoTaskMemUTF8(engineId);
        IntPtr key = Marshal.StringToCoTaskMemUTF8(keyId);
        try
        {
            ERR_clear_error();
            IntPtr engine = ENGINE_by_id(id);
            engineMissing = engine == IntPtr.Zero;
            if (engineMissing)
            {
                errors = DrainErrors();
                return null;
            }

            try
            {
                if (ENGINE_init(engine) != 1)
                {
                    engineMissing = true;
                    errors = DrainErrors();
                    return null;
                }

                IntPtr pkey = ENGINE_load_private_key(engine, key, IntPtr.Zero, IntPtr.Zero);
                _ = ENGINE_finish(engine);
                errors = DrainErrors();
                return pkey == IntPtr.Zero ? null : new SafeEvpPKeyHandle(pkey, ownsHandle: true);
            }
            finally
            {
                _ = ENGINE_free(engine);
            }
        }
        finally
        {
            // The key id may carry a pin-value the caller put in the URI.
            Marshal.ZeroFreeCoTaskMemUTF8(key);
            Marshal.FreeCoTaskMem(id);
        }
    }

    private static List<string> DrainErrors()
    {
        var lines = new List<string>();
        IntPtr buffer = Marshal.AllocHGlobal(512);
        try
        {
            for (int i = 0; i < 32; i++)
            {
                nuint code = ERR_get_error();
                if (code == 0)
                {
                    break;
                }

                ERR_error_string_n(code, buffer, 512);
                lines.Add(Marshal.PtrToStringUTF8(buffer) ?? string.Empty);
            }

            ERR_clear_error();
        }
        finally
        {
            Marshal.FreeHGlobal(buffer);
        }

        return lines;
    }

    [DllImport(LibCrypto)]
    private static extern IntPtr ENGINE_by_id(IntPtr id);

    [DllImport(LibCrypto)]
    private static extern int ENGINE_init(IntPtr engine);

    [DllImport(LibCrypto)]
    private static extern int ENGINE_finish(IntPtr engine);

    [DllImport(LibCrypto)]
    private static extern int ENGINE_free(IntPtr engine);

    [DllImport(LibCrypto)]
    private static extern IntPtr ENGINE_load_private_key(IntPtr engine, IntPtr keyId, IntPtr uiMethod, IntPtr callbackData);

    [DllImport(LibCrypto)]
    private static extern nuint ERR_get_error();

    [DllImport(LibCrypto)]
    private static extern void ERR_error_string_n(nuint error, IntPtr buffer, nuint length);

    [DllImport(LibCrypto)]
    private static extern void ERR_clear_error();
}
