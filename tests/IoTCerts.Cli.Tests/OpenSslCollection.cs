namespace IoTCerts.Cli.Tests;

/// <summary>One set of openssl-made files shared by every CLI test class (generating them costs seconds).</summary>
[CollectionDefinition(Name)]
public sealed class OpenSslCollection : ICollectionFixture<OpenSslFixtures>
{
    public const string Name = "openssl files";
}
