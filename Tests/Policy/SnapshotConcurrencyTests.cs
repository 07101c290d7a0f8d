using DataVault.Policy;

namespace DataVault.Tests.Policy;

/// <summary>
/// Decisions during continuous policy changes are always those of one whole snapshot (issue 3, item 7).
/// The two policies are built so that any mix of them decides differently from both: in A alice reaches
/// data1 through roleA, in B through roleB; rules of one with role links of the other deny her.
/// </summary>
public sealed class SnapshotConcurrencyTests
{
    private const string PolicyA = """
        p, roleA, data1, read
        p, carol, data2, read
        g, alice, roleA
        """;

    private const string PolicyB = """
        p, roleB, data1, read
        p, dave, data2, read
        g, alice, roleB
        """;

    private static readonly object?[][] Probe =
    [
        ["alice", "data1", "read"],
        ["carol", "data2", "read"],
        ["dave", "data2", "read"],
    ];

    [Fact]
    public async Task Enforce_WhileWholePoliciesFlip_SeesOnlyWholeSnapshots()
    {
        var enforcer = Enforcer.FromText(PolicyFiles.RbacModel, PolicyA).Value;
        var token = TestContext.Current.CancellationToken;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        var flips = 0;
        var writer = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Assert.Empty(enforcer.LoadPolicyText(Volatile.Read(ref flips) % 2 == 0 ? PolicyB : PolicyA));
                Interlocked.Increment(ref flips);
            }
        }, token);
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var seenA = 0;
            var seenB = 0;
            // Read until the writer has flipped many times (bounded, so a stuck writer fails the test).
            var deadline = DateTime.UtcNow.AddSeconds(60);
            for (var i = 0; Volatile.Read(ref flips) < 500 || i < 2_000 || seenA == 0 || seenB == 0; i++)
            {
                Assert.True(DateTime.UtcNow < deadline, "the writer did not make progress");
                // One decision must never mix the two policies.
                Assert.True(enforcer.Enforce("alice", "data1", "read"), "a decision saw half a change");
                // A batch reads one snapshot: the vector is exactly A's or exactly B's.
                var batch = enforcer.BatchEnforce(Probe);
                if (batch.SequenceEqual([true, true, false]))
                {
                    seenA++;
                }
                else if (batch.SequenceEqual([true, false, true]))
                {
                    seenB++;
                }
                else
                {
                    Assert.Fail($"batch saw neither policy: {string.Join(",", batch)}");
                }
            }
            return (seenA, seenB);
        }, token)).ToArray();

        var results = await Task.WhenAll(readers);
        await stop.CancelAsync();
        await writer;

        Assert.True(flips >= 500, $"the writer flipped only {flips} times");
        Assert.True(results.Sum(r => r.seenA) > 0 && results.Sum(r => r.seenB) > 0, $"readers should observe both policies (A {results.Sum(r => r.seenA)}, B {results.Sum(r => r.seenB)}, flips {flips}, writer {writer.Status})");
    }

    [Fact]
    public async Task AddPolicies_BatchDuringDecisions_IsSeenWholeOrNotAtAll()
    {
        var enforcer = Enforcer.FromText(PolicyFiles.RbacModel, "p, seed, data0, read\n").Value;
        string[][] batch = [.. Enumerable.Range(1, 50).Select(i => new[] { "erin", "data" + i, "read" })];
        object?[][] probe = [.. batch.Select(r => (object?[])[.. r])];
        var token = TestContext.Current.CancellationToken;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        var writer = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Assert.True(enforcer.AddPolicies(batch));
                Assert.True(enforcer.RemovePolicies(batch));
            }
        }, token);

        var partial = 0;
        for (var i = 0; i < 5_000; i++)
        {
            var seen = enforcer.BatchEnforce(probe).Count(b => b);
            if (seen is not (0 or 50))
            {
                partial++;
            }
        }
        await stop.CancelAsync();
        await writer;

        Assert.Equal(0, partial);
    }
}
