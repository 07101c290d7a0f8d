using System.Runtime.ExceptionServices;

namespace DataVault.Vault.Residents;

/// <summary>
/// <see cref="Parallel.For(int, int, Action{int})"/> that rethrows the first failure itself
/// (an <c>EnvelopeException</c>, a refused master key…) instead of an <see cref="AggregateException"/>,
/// so callers see the same exception as in sequential code.
/// </summary>
internal static class ParallelWork
{
    public static void For(int count, Action<int> body)
    {
        try
        {
            Parallel.For(0, count, body);
        }
        catch (AggregateException e)
        {
            ExceptionDispatchInfo.Capture(e.Flatten().InnerExceptions[0]).Throw();
            throw;
        }
    }
}
