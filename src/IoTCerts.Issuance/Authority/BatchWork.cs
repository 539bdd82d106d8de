namespace IoTCerts.Issuance;

/// <summary>Runs the independent per-certificate work of a batch (CSR checks, signatures) on several cores.</summary>
internal static class BatchWork
{
    public static void CheckParallelism(int maxDegreeOfParallelism)
    {
        if (maxDegreeOfParallelism is 0 or < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism), maxDegreeOfParallelism, "use -1 for all cores or a positive number of cores");
        }
    }

    /// <summary>Calls <paramref name="work"/> for 0 … count-1; small batches and a parallelism of 1 stay on the calling thread.</summary>
    public static void Run(int count, int maxDegreeOfParallelism, Action<int> work)
    {
        if (count < 2 || maxDegreeOfParallelism == 1 || Environment.ProcessorCount == 1)
        {
            for (var i = 0; i < count; i++)
            {
                work(i);
            }

            return;
        }

        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, work);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            // The caller sees the same exception as from a sequential run, not a wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
            throw;
        }
    }
}
