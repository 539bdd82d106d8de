namespace IoTCerts.Est;

/// <summary>
/// A renewal setting is unusable: an unknown unit, 0 %, 100 % or more, a negative time, or an absolute
/// threshold not shorter than the certificate's lifetime. The message names the setting and the accepted forms.
/// </summary>
public sealed class RenewalConfigurationException : Exception
{
    /// <summary>Creates the exception for <paramref name="setting"/>.</summary>
    public RenewalConfigurationException(string setting, string message)
        : base(message)
    {
        Setting = setting;
    }

    /// <summary>The setting at fault, e.g. <c>threshold</c> or <c>retry</c>.</summary>
    public string Setting { get; }
}
