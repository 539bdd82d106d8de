// The tests start a PostgreSQL cluster as the postgres user and call openssl: Unix only. One cluster for the assembly,
// test classes one at a time (the machine is shared; the fault tests restart the cluster).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
[assembly: CollectionBehavior(DisableTestParallelization = true)]
