using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace IoTCerts.Cli.Infrastructure;

/// <summary>Writes exactly one indented JSON object followed by a newline (or one object per line for streams).</summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,

        // Subjects carry '+', '<', '&' and non-ASCII names: keep them readable, the output is not HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonWriterOptions LineOptions = new()
    {
        Indented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(TextWriter output, Action<Utf8JsonWriter> write) => output.WriteLine(Render(write, Options));

    /// <summary>One object on one line: for long-running commands that print an object per event (JSON Lines).</summary>
    public static void WriteLine(TextWriter output, Action<Utf8JsonWriter> write)
    {
        output.WriteLine(Render(write, LineOptions));
        output.Flush();
    }

    /// <summary>A file the command wrote, as an absolute path (scripts may run from another directory).</summary>
    public static void WritePath(this Utf8JsonWriter json, string name, string? path)
    {
        if (path is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, Path.GetFullPath(path));
        }
    }

    public static void WriteNullableString(this Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    public static void WriteStrings(this Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    /// <summary>An array whose items write themselves (each its own object or value).</summary>
    public static void WriteArray<T>(this Utf8JsonWriter json, string name, IEnumerable<T> items, Action<Utf8JsonWriter, T> writeItem)
    {
        json.WriteStartArray(name);
        foreach (var item in items)
        {
            writeItem(json, item);
        }

        json.WriteEndArray();
    }

    /// <summary>An array of objects: <paramref name="writeMembers"/> writes the members of one item's object.</summary>
    public static void WriteObjects<T>(this Utf8JsonWriter json, string name, IEnumerable<T> items, Action<Utf8JsonWriter, T> writeMembers) =>
        json.WriteArray(name, items, (writer, item) =>
        {
            writer.WriteStartObject();
            writeMembers(writer, item);
            writer.WriteEndObject();
        });

    private static string Render(Action<Utf8JsonWriter> write, JsonWriterOptions options)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, options))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
