namespace IoTCerts.Samples.Quickstart;

/// <summary>Prints the quickstart's steps as a short numbered report and remembers whether any step failed.</summary>
internal sealed class Report(string root)
{
    private int _step;

    public bool Failed { get; private set; }

    public void Step(string title) => Console.WriteLine($"{Environment.NewLine}{++_step}. {title}");

    public void Line(string text) => Console.WriteLine($"   {text}");

    public void File(string label, string path) => Console.WriteLine($"   {label,-13} {Path.GetRelativePath(root, path)}");

    public void Ok(string text) => Console.WriteLine($"   ok: {text}");

    public void Fail(string text)
    {
        Failed = true;
        Console.WriteLine($"   FAILED: {text}");
    }
}
