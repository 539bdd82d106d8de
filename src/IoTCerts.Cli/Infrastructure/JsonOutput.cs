using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace IoTCerts.Cli.Infrastructure;

/// <summary>Writes exactly one indented JSON object followed by a newline.</summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,

        // Subjects carry '+', '<', '&' and non-ASCII names: keep them readable, the output is not HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(TextWriter output, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            write(writer);
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }
}
