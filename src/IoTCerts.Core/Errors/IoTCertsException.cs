using System.Text;

namespace IoTCerts.Core;

/// <summary>
/// The shape every IoTCerts exception family shares (style: one exception type per service carrying its error code):
/// a closed <typeparamref name="TCode"/> code, its stable kebab-case text for CLI output and logs, and an operator
/// sentence as the message. Packages derive their own family (<c>EstException</c>, <c>CumulocityException</c>, ...).
/// </summary>
/// <typeparam name="TCode">The package's error-code enum.</typeparam>
public abstract class IoTCertsException<TCode> : Exception
    where TCode : struct, Enum
{
    /// <summary>Creates an exception with a code and an operator sentence.</summary>
    protected IoTCertsException(TCode code, string message, Exception? innerException)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>What went wrong.</summary>
    public TCode Code { get; }

    /// <summary>The stable kebab-case code: the code's name with a hyphen before each inner capital (<c>ServerError</c> is <c>server-error</c>), or <c>unknown</c>.</summary>
    public virtual string CodeString => Enum.IsDefined(Code) ? KebabCase(Code.ToString()) : "unknown";

    private static string KebabCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('-');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }
}
