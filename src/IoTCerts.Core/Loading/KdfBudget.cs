using System.Globalization;

namespace IoTCerts.Core;

/// <summary>
/// The key-derivation work one input may cause, summed over every object in it (issue 17: eight keys at the per-object
/// limit in a 3 KB PEM cost seconds). Charged before each derivation runs, in iterations of the underlying hash or
/// HMAC, so a refused input has spent nothing on the derivation that would have exceeded the budget.
/// </summary>
internal sealed class KdfBudget(MaterialLimits limits)
{
    private long _total;
    private long _withoutPassword;

    /// <summary>Iterations charged so far (for tests).</summary>
    public long Spent => _total;

    /// <summary>
    /// Charges <paramref name="iterations"/> before a derivation. <paramref name="speculative"/> marks the empty-password
    /// attempts made when the caller gave no password: those also count against
    /// <see cref="MaterialLimits.MaxKdfIterationsWithoutPassword"/>, so a file cannot make a password-less load expensive.
    /// </summary>
    /// <exception cref="MaterialException"><see cref="MaterialErrorCode.WorkFactorTooHigh"/> when the input's total is
    /// exceeded; <see cref="MaterialErrorCode.PassphraseRequired"/> when the password-less allowance is.</exception>
    public void Charge(long iterations, bool speculative)
    {
        if (speculative && _withoutPassword + iterations > limits.MaxKdfIterationsWithoutPassword)
        {
            throw new MaterialException(
                MaterialErrorCode.PassphraseRequired,
                string.Create(CultureInfo.InvariantCulture, $"the material is protected: a passphrase is required (without one, IoTCerts tries the empty passphrase for at most {limits.MaxKdfIterationsWithoutPassword:N0} key-derivation iterations per input)"));
        }

        if (_total + iterations > limits.MaxKdfIterationsPerInput)
        {
            throw new MaterialException(
                MaterialErrorCode.WorkFactorTooHigh,
                string.Create(CultureInfo.InvariantCulture, $"the input asks for more than {limits.MaxKdfIterationsPerInput:N0} key-derivation iterations in total (the limit per input); {_total:N0} were already spent and the next object asks for {iterations:N0}"));
        }

        _total += iterations;
        if (speculative)
        {
            _withoutPassword += iterations;
        }
    }
}
