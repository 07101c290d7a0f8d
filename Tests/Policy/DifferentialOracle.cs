using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DataVault.Tests.Policy;

/// <summary>One job for the reference Casbin: a model, a policy and the requests to decide (Tests/oracle/oracle.js).</summary>
internal sealed record OracleJob(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("policy")] string? Policy,
    [property: JsonPropertyName("requests")] IReadOnlyList<object?[]> Requests)
{
    [JsonPropertyName("id")]
    public long Id { get; init; }

    [JsonPropertyName("functions")]
    public IReadOnlyList<string> Functions { get; init; } = [];

    [JsonPropertyName("matchingFuncs")]
    public IReadOnlyList<OracleMatchingFunc> MatchingFuncs { get; init; } = [];
}

/// <summary>A builtin used by role type <c>PType</c> to match role names (or, with <c>Domain</c>, domain names) as patterns.</summary>
internal sealed record OracleMatchingFunc(
    [property: JsonPropertyName("ptype")] string PType,
    [property: JsonPropertyName("fn")] string Function,
    [property: JsonPropertyName("domain")] bool Domain);

/// <summary>
/// The reply: one character per request (<c>1</c> allow, <c>0</c> deny, <c>E</c> the call threw), or the
/// reason the model and policy did not load.
/// </summary>
internal sealed record OracleReply(
    [property: JsonPropertyName("id")] long? Id,
    [property: JsonPropertyName("decisions")] string? Decisions,
    [property: JsonPropertyName("errors")] Dictionary<string, string>? Errors,
    [property: JsonPropertyName("loadError")] string? LoadError,
    [property: JsonPropertyName("protocolError")] string? ProtocolError);

/// <summary>
/// The npm <c>casbin</c> package run as a live oracle: one node process per test run, fed jobs as JSON
/// lines. Started lazily by the first test that needs it; the process ends when the test host closes its
/// stdin (or exits).
/// </summary>
internal sealed class DifferentialOracle : IDisposable
{
    private static readonly Lazy<(DifferentialOracle? Oracle, string? Missing)> Shared = new(Start);
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(2);

    private readonly Process _process;
    private readonly Lock _gate = new();
    private long _nextId;

    private DifferentialOracle(Process process, string version)
    {
        _process = process;
        Version = version;
    }

    /// <summary>npm casbin's version as the running oracle reports it.</summary>
    public string Version { get; }

    /// <summary>
    /// The shared oracle, or a skip (locally) / failure (CI=true) with the reason it is missing: node not
    /// on PATH, or <c>npm ci</c> not run in Tests/oracle.
    /// </summary>
    public static DifferentialOracle Require()
    {
        var (oracle, missing) = Shared.Value;
        if (oracle is not null)
        {
            return oracle;
        }
        var reason = "npm casbin oracle unavailable: " + missing + ". Install node and run `npm ci` in Tests/oracle.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail("CI=true requires the oracle. " + reason);
        }
        Assert.Skip("SKIPPED, NOT CHECKED AGAINST THE REFERENCE: " + reason);
        return null!;
    }

    public static string OracleFolder => Path.Combine(ConformanceSuite.RepositoryRoot(), "Tests", "oracle");

    private static (DifferentialOracle?, string?) Start()
    {
        var folder = OracleFolder;
        if (!File.Exists(Path.Combine(folder, "node_modules", "casbin", "package.json")))
        {
            return (null, "Tests/oracle/node_modules/casbin is not installed");
        }
        Process process;
        try
        {
            process = Process.Start(new ProcessStartInfo("node", "oracle.js")
            {
                WorkingDirectory = folder,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = false,
                UseShellExecute = false,
                StandardInputEncoding = new System.Text.UTF8Encoding(false),
                StandardOutputEncoding = System.Text.Encoding.UTF8,
            })!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (null, "node could not be started (" + e.Message + ")");
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(process);
        process.StandardInput.WriteLine("""{"op":"version","id":0}""");
        process.StandardInput.Flush();
        var line = process.StandardOutput.ReadLine();
        if (line is null)
        {
            return (null, "node oracle.js exited at start");
        }
        using var doc = JsonDocument.Parse(line);
        return (new DifferentialOracle(process, doc.RootElement.GetProperty("casbin").GetString() ?? "?"), null);
    }

    /// <summary>Runs one job and waits for its reply. Jobs are serialised: the protocol is one line in, one line out.</summary>
    public OracleReply Run(OracleJob job)
    {
        lock (_gate)
        {
            var id = ++_nextId;
            _process.StandardInput.WriteLine(JsonSerializer.Serialize(job with { Id = id }, Json));
            _process.StandardInput.Flush();
            // npm casbin loops forever on some inputs (docs/policy-benchmarks.md); a stuck job fails the test
            // instead of hanging the run.
            var read = _process.StandardOutput.ReadLineAsync();
            if (!read.Wait(JobTimeout))
            {
                _process.Kill();
                throw new TimeoutException($"the oracle did not answer job {id} within {JobTimeout.TotalSeconds} s (npm casbin stuck?)");
            }
            var line = read.Result ?? throw new InvalidOperationException("the oracle process ended");
            var reply = JsonSerializer.Deserialize<OracleReply>(line, Json) ?? throw new InvalidOperationException("empty oracle reply");
            if (reply.ProtocolError is not null || reply.Id != id)
            {
                throw new InvalidOperationException($"oracle protocol error for job {id}: {reply.ProtocolError ?? line}");
            }
            return reply;
        }
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.StandardInput.Close();
                if (!process.WaitForExit(2000))
                {
                    process.Kill();
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public void Dispose() => Stop(_process);
}
