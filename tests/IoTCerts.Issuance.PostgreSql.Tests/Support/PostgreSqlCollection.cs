namespace IoTCerts.Issuance.PostgreSql.Tests;

/// <summary>Every test class that needs the cluster: one cluster for the run, classes one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class PostgreSqlCollection : ICollectionFixture<PostgreSqlCluster>
{
    public const string Name = "postgresql";
}
