using System.Text;
using IoTCerts.Core;

namespace IoTCerts.Platform.Cumulocity;

/// <summary>
/// Builds the CSV for <c>POST /devicecontrol/bulkNewDeviceRequests</c> (R-25): a header row, the documented column
/// order, <c>AUTH_TYPE=CERTIFICATES</c> with an empty CREDENTIALS cell for certificate devices, cells quoted when
/// they hold the separator, a quote or a line break. Not thread-safe.
/// </summary>
public sealed class BulkRegistrationCsv
{
    /// <summary>The most rows one file may hold (a bound of this client, not a platform figure).</summary>
    public const int MaxRows = 100_000;

    private readonly List<DeviceRegistration> _rows = [];

    /// <summary>Creates an empty builder with <paramref name="separator"/>: ';' (default), ',' or tab.</summary>
    /// <exception cref="ArgumentException">Another separator.</exception>
    public BulkRegistrationCsv(char separator = ';')
    {
        if (separator is not (';' or ',' or '\t'))
        {
            throw new ArgumentException("the platform accepts ';', ',' or tab as the CSV separator", nameof(separator));
        }

        Separator = separator;
    }

    /// <summary>The cell separator.</summary>
    public char Separator { get; }

    /// <summary>The rows added so far.</summary>
    public IReadOnlyList<DeviceRegistration> Rows => _rows;

    /// <summary>Adds a device; checks the row on its own (the cross-row TYPE/NAME rule is checked by <see cref="Build"/>).</summary>
    /// <exception cref="ArgumentException">The row breaks a documented rule.</exception>
    public BulkRegistrationCsv Add(DeviceRegistration device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (string.IsNullOrWhiteSpace(device.Id))
        {
            throw new ArgumentException("ID is required for every device", nameof(device));
        }

        if (device.AuthenticationType == DeviceAuthenticationType.Certificates && !DeviceIdentityRules.IsCumulocityDeviceId(device.Id))
        {
            // the id is the certificate CN and the MQTT ClientId, which must not contain ':' (Core's one rule).
            throw new ArgumentException($"device '{device.Id}': a certificate device's id (its CN and MQTT ClientId) must not contain ':'", nameof(device));
        }

        if (device.AuthenticationType == DeviceAuthenticationType.Certificates && !string.IsNullOrEmpty(device.Credentials))
        {
            throw new ArgumentException($"device '{device.Id}': CREDENTIALS must be empty when AUTH_TYPE is CERTIFICATES", nameof(device));
        }

        if (device.AuthenticationType == DeviceAuthenticationType.Basic && string.IsNullOrEmpty(device.Credentials))
        {
            throw new ArgumentException($"device '{device.Id}': AUTH_TYPE BASIC needs CREDENTIALS", nameof(device));
        }

        if (device.EnrollmentOneTimePassword is { } otp && !OneTimePassword.IsAcceptable(otp))
        {
            throw new ArgumentException($"device '{device.Id}': ENROLLMENT_OTP must be {OneTimePassword.MinLength}-{OneTimePassword.MaxLength} printable characters", nameof(device));
        }

        foreach (var name in device.Properties.Keys.Concat(device.ExternalIds.Keys))
        {
            if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny([Separator, '"', '\r', '\n']) >= 0)
            {
                throw new ArgumentException($"device '{device.Id}': column name '{name}' is empty or holds the separator, a quote or a line break", nameof(device));
            }
        }

        if (_rows.Count >= MaxRows)
        {
            throw new ArgumentException($"one file holds at most {MaxRows} devices", nameof(device));
        }

        _rows.Add(device);
        return this;
    }

    /// <summary>The CSV text (header, then one line per device, CRLF line ends).</summary>
    /// <exception cref="InvalidOperationException">No rows, or TYPE/NAME missing where the platform requires them.</exception>
    public string Build()
    {
        if (_rows.Count == 0)
        {
            throw new InvalidOperationException("add at least one device");
        }

        var columns = new List<(string Header, Func<DeviceRegistration, string?> Cell)>
        {
            ("ID", d => d.Id),
            ("CREDENTIALS", d => d.Credentials ?? string.Empty),
            ("AUTH_TYPE", d => d.AuthenticationType == DeviceAuthenticationType.Certificates ? "CERTIFICATES" : "BASIC"),
        };
        AddIfUsed(columns, "ENROLLMENT_OTP", d => d.EnrollmentOneTimePassword);
        AddIfUsed(columns, "TENANT", d => d.Tenant);
        AddIfUsed(columns, "TYPE", d => d.Type);
        AddIfUsed(columns, "NAME", d => d.Name);
        AddIfUsed(columns, "ICCID", d => d.Iccid);
        AddIfUsed(columns, "IDTYPE", d => d.IdType);
        AddIfUsed(columns, "PATH", d => d.Path);
        AddIfUsed(columns, "SHELL", d => d.Shell ? "1" : null);

        // The documentation says TYPE and NAME become mandatory as soon as one of these columns is present.
        var needsTypeAndName = columns.Any(c => c.Header is "ICCID" or "IDTYPE" or "PATH" or "SHELL");
        if (needsTypeAndName && _rows.FirstOrDefault(d => string.IsNullOrEmpty(d.Type) || string.IsNullOrEmpty(d.Name)) is { } incomplete)
        {
            throw new InvalidOperationException($"device '{incomplete.Id}': TYPE and NAME are required when ICCID, IDTYPE, PATH or SHELL are used");
        }

        foreach (var property in _rows.SelectMany(d => d.Properties.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            columns.Add((property, d => d.Properties.TryGetValue(property, out var v) ? v : null));
        }

        // external-<type> columns go last, as the documentation's examples place them.
        foreach (var type in _rows.SelectMany(d => d.ExternalIds.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            columns.Add(("external-" + type, d => d.ExternalIds.TryGetValue(type, out var v) ? v : null));
        }

        var text = new StringBuilder();
        AppendLine(text, columns.Select(c => c.Header));
        foreach (var row in _rows)
        {
            AppendLine(text, columns.Select(c => c.Cell(row) ?? string.Empty));
        }

        return text.ToString();
    }

    private void AddIfUsed(List<(string, Func<DeviceRegistration, string?>)> columns, string header, Func<DeviceRegistration, string?> cell)
    {
        if (_rows.Any(d => !string.IsNullOrEmpty(cell(d))))
        {
            columns.Add((header, cell));
        }
    }

    private void AppendLine(StringBuilder text, IEnumerable<string> cells)
    {
        var first = true;
        foreach (var cell in cells)
        {
            if (!first)
            {
                text.Append(Separator);
            }

            first = false;
            AppendCell(text, cell);
        }

        text.Append("\r\n");
    }

    private void AppendCell(StringBuilder text, string cell)
    {
        // RFC 4180 section 2: quote cells holding the separator, quotes or line breaks; double inner quotes.
        if (cell.IndexOfAny([Separator, '"', '\r', '\n']) < 0 && cell.Trim().Length == cell.Length)
        {
            text.Append(cell);
            return;
        }

        text.Append('"').Append(cell.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }
}
