using DataVault.Vault.Oversight.Snooping;

namespace DataVault.Tests.Vault.Oversight;

/// <summary>
/// A simulated district's access log: five communities of eight grids (150 residents each), and the
/// staff who work in them day after day. Normal work, as the field notes describe it:
/// <list type="bullet">
/// <item>community workers (4 per community) follow a caseload of 120 of their residents, each
/// contacted again 3 to 21 days after the last, one elderly resident living alone checked Monday,
/// Wednesday and Friday, and list pages of the community; an ID number revealed in 2 % of
/// community-service accesses, in office hours, now and then at 19:00–21:00;</item>
/// <item>grid workers (one per grid) patrol their grid, 15 residents a day;</item>
/// <item>civil-affairs caseworkers (10, at the district) follow 80 clients in three communities,
/// take a new client anywhere in the district every other day, reveal dibao in 10 % of accesses;</item>
/// <item>weekends carry a fifth of a weekday's work.</item>
/// </list>
/// Misuse is added on chosen days by the tests (SnoopingDetectionTests). Deterministic for a seed.
/// </summary>
internal sealed class SnoopingSimulation
{
    public const string District = "510107";
    public static readonly DateOnly FirstDay = new(2026, 9, 1);

    private readonly Random _random;
    private readonly List<LoggedRead> _log = [];
    private long _index;

    public SnoopingSimulation(int seed)
    {
        _random = new Random(seed);
        for (var c = 1; c <= 5; c++)
        {
            var community = $"{District}004{c:000}";
            Communities.Add(community);
            for (var g = 1; g <= 8; g++)
            {
                var grid = $"{community}-{g:00}";
                for (var r = 0; r < 150; r++)
                {
                    var id = $"R{Residence.Count:00000}";
                    Residence[id] = grid;
                    ResidentsOf.TryAdd(community, []);
                    ResidentsOf[community].Add(id);
                    ResidentsOf.TryAdd(grid, []);
                    ResidentsOf[grid].Add(id);
                }
            }
        }
        foreach (var community in Communities)
        {
            for (var w = 0; w < 4; w++)
            {
                Staff.Add(new Worker($"cw{community[^1]}{w}", $"community_worker@{community}", "community_worker", community, Pick(ResidentsOf[community], 120)));
            }
            for (var g = 1; g <= 8; g++)
            {
                var grid = $"{community}-{g:00}";
                Staff.Add(new Worker($"gw{community[^1]}{g}", $"grid_worker@{grid}", "grid_worker", grid, []));
            }
        }
        for (var k = 0; k < 10; k++)
        {
            var home = Pick(Communities, 3).SelectMany(c => ResidentsOf[c]).ToList();
            Staff.Add(new Worker($"ca{k}", $"caseworker:civil_affairs@{District}", "caseworker", District, Pick(home, 80)));
        }
        foreach (var worker in Staff)
        {
            foreach (var client in worker.Clients)
            {
                worker.NextContact[client] = FirstDay.AddDays(_random.Next(0, 21));
            }
        }
    }

    public List<string> Communities { get; } = [];
    public Dictionary<string, string> Residence { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, List<string>> ResidentsOf { get; } = new(StringComparer.Ordinal);
    public List<Worker> Staff { get; } = [];
    public IReadOnlyList<LoggedRead> Log => _log;

    internal sealed record Worker(string Id, string Unit, string Role, string Jurisdiction, List<string> Clients)
    {
        public Dictionary<string, DateOnly> NextContact { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>One day of normal work for every member of staff.</summary>
    public void Work(DateOnly day)
    {
        var weekend = day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
        foreach (var w in Staff)
        {
            if (weekend && _random.NextDouble() > 0.2)
            {
                continue;
            }
            switch (w.Role)
            {
                case "community_worker":
                    foreach (var client in Due(w, day))
                    {
                        Access(w, day, client, Office(), _random.NextDouble() < 0.5 ? "community_service" : "elderly_care");
                    }
                    if (day.DayOfWeek is DayOfWeek.Monday or DayOfWeek.Wednesday or DayOfWeek.Friday)
                    {
                        Access(w, day, w.Clients[0], Office(), "elderly_care");
                    }
                    foreach (var listed in Pick(ResidentsOf[w.Jurisdiction], 20))
                    {
                        Add(w, day, listed, Office(), "list", "community_service", false);
                    }
                    break;
                case "grid_worker":
                    foreach (var resident in Pick(ResidentsOf[w.Jurisdiction], Poisson(15)))
                    {
                        Add(w, day, resident, Office(), "read", "grid_patrol", false);
                    }
                    break;
                case "caseworker":
                    if (_random.NextDouble() < 0.5)
                    {
                        var newcomer = Pick(Residence.Keys.ToList(), 1)[0];
                        w.Clients.Add(newcomer);
                        w.NextContact[newcomer] = day;
                    }
                    foreach (var client in Due(w, day))
                    {
                        Access(w, day, client, Office(), "subsidy_eligibility");
                    }
                    break;
            }
        }
    }

    /// <summary>One access as the worker's role does it: a read, sometimes a reveal (in office hours, now and then in the evening).</summary>
    private void Access(Worker w, DateOnly day, string resident, TimeSpan at, string purpose)
    {
        Add(w, day, resident, at, "read", purpose, false);
        var revealRate = w.Role == "caseworker" ? 0.10 : purpose == "community_service" ? 0.02 : 0;
        if (_random.NextDouble() < revealRate)
        {
            var when = _random.NextDouble() < 0.05 ? TimeSpan.FromHours(19 + (2 * _random.NextDouble())) : at + TimeSpan.FromMinutes(2);
            Add(w, day, resident, when, "reveal", purpose, true);
        }
    }

    public void Add(Worker w, DateOnly day, string resident, TimeSpan at, string action, string purpose, bool clearL4) =>
        _log.Add(new LoggedRead(District, _index++, SnoopingDetector.StartOf(day) + at, resident, action, w.Id, w.Unit, w.Role, purpose, clearL4));

    private IEnumerable<string> Due(Worker w, DateOnly day)
    {
        var due = w.NextContact.Where(c => c.Value <= day).Select(c => c.Key).ToList();
        foreach (var client in due)
        {
            w.NextContact[client] = day.AddDays(_random.Next(3, 22));
        }
        return due;
    }

    private TimeSpan Office() => TimeSpan.FromHours(8.5 + (9 * _random.NextDouble()));

    private List<T> Pick<T>(IReadOnlyList<T> from, int count)
    {
        var picked = new HashSet<int>();
        while (picked.Count < Math.Min(count, from.Count))
        {
            picked.Add(_random.Next(from.Count));
        }
        return [.. picked.Select(i => from[i])];
    }

    private int Poisson(double mean)
    {
        var limit = Math.Exp(-mean);
        var k = 0;
        for (var p = _random.NextDouble(); p > limit; p *= _random.NextDouble())
        {
            k++;
        }
        return k;
    }
}
