using System.Globalization;
using Bogus;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Schema;

namespace DataVault.Vault.Seeding;

/// <summary>
/// Deterministic synthetic residents (Bogus, zh_CN): households in compounds, valid GB 11643 ID
/// numbers with real birth dates and region prefixes, realistic ages, household sizes and rates of
/// each status. The same seed and size always produce the same people, so seeding is idempotent
/// (the writer finds them by ID number and changes nothing).
/// </summary>
internal sealed class SyntheticResidents
{
    /// <summary>Ages are computed against a fixed date, not today, so a seed means the same people on any day.</summary>
    public static readonly DateOnly ReferenceDate = new(2025, 11, 1);

    // Prefixes of residents' hukou regions: mostly Chengdu districts, some from elsewhere in Sichuan
    // and other provinces (floating population).
    private static readonly string[] LocalRegions = ["510107", "510104", "510105", "510106", "510108", "510112", "510113", "510114"];
    private static readonly string[] OtherRegions = ["511302", "511102", "510722", "500101", "430102", "420106", "410105", "622901", "513401", "532301"];
    private static readonly string[] LocalSurnameWeights = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"];

    private static readonly WeightedChoice MaritalOver70 = new(["single", "married", "divorced", "widowed"], [0.02f, 0.5f, 0.08f, 0.4f]);
    private static readonly WeightedChoice MaritalAdult = new(["single", "married", "divorced", "widowed"], [0.3f, 0.55f, 0.12f, 0.03f]);
    private static readonly WeightedChoice Register = new(["local", "non_local", "floating"], [0.72f, 0.16f, 0.12f]);
    private static readonly WeightedChoice Ethnicity = new(["han", "yi", "tibetan", "qiang", "hui", "other"], [0.95f, 0.015f, 0.012f, 0.008f, 0.006f, 0.009f]);
    private static readonly WeightedChoice Insurance = new(["urban_employee", "urban_rural_resident", "none"], [0.62f, 0.33f, 0.05f]);
    private static readonly WeightedChoice DisabilityGrade = new(["1", "2", "3", "4"], [0.1f, 0.2f, 0.35f, 0.35f]);
    private static readonly WeightedChoice ChronicCondition = new(["hypertension", "diabetes", "copd", "heart_disease", "other"], [0.5f, 0.25f, 0.08f, 0.1f, 0.07f]);
    private static readonly WeightedChoice EducationTeen = new(["senior", "vocational"], [0.6f, 0.4f]);
    private static readonly WeightedChoice EducationYoung = new(["senior", "vocational", "college", "bachelor"], [0.2f, 0.2f, 0.3f, 0.3f]);
    private static readonly WeightedChoice EducationAdult = new(["junior", "senior", "vocational", "college", "bachelor", "postgraduate"], [0.2f, 0.2f, 0.1f, 0.2f, 0.25f, 0.05f]);
    private static readonly WeightedChoice EducationElderly = new(["none", "primary", "junior", "senior", "college", "bachelor"], [0.08f, 0.3f, 0.3f, 0.2f, 0.07f, 0.05f]);
    private static readonly WeightedChoice EmploymentYoung = new(["student", "employed", "flexible", "unemployed"], [0.6f, 0.25f, 0.1f, 0.05f]);
    private static readonly WeightedChoice EmploymentAdult = new(["employed", "flexible", "unemployed", "unable"], [0.72f, 0.17f, 0.08f, 0.03f]);
    private static readonly WeightedChoice EmploymentSenior = new(["employed", "flexible", "retired", "unemployed"], [0.3f, 0.1f, 0.55f, 0.05f]);
    private static readonly string[] HealthNotes = ["定期随访", "每月测量血压", "需上门服务", "长期服药", "行动不便"];
    private static readonly string[] ShelterDistricts = ["锦江区", "青羊区", "金牛区", "成华区"];
    private static readonly string[] MobilePrefixes = ["138", "139", "137", "136", "135", "150", "151", "158", "159", "188", "187", "130", "131", "132", "155", "156", "186", "133", "153", "180", "189", "177", "199"];

    private readonly JurisdictionTree _tree;
    private readonly IReadOnlyList<Jurisdiction> _communities;
    private readonly int _households;
    private readonly int _residents;
    private readonly int _seed;

    public SyntheticResidents(JurisdictionTree tree, IReadOnlyList<Jurisdiction> communities, int households, int residents, int seed)
    {
        if (households < 1 || residents < households)
        {
            throw new ArgumentOutOfRangeException(nameof(residents), "need at least one resident per household");
        }
        _tree = tree;
        _communities = communities;
        _households = households;
        _residents = residents;
        _seed = seed;
    }

    /// <summary>Household sizes that add up exactly to the resident count (mean ≈ residents / households).</summary>
    private int[] HouseholdSizes()
    {
        var random = new Random(_seed);
        var sizes = new int[_households];
        var total = 0;
        for (var i = 0; i < sizes.Length; i++)
        {
            // 2020 census shape for urban Sichuan: many one- and two-person households.
            var r = random.NextDouble();
            sizes[i] = r switch { < 0.20 => 1, < 0.50 => 2, < 0.75 => 3, < 0.89 => 4, < 0.96 => 5, _ => 6 };
            total += sizes[i];
        }
        while (total != _residents)
        {
            var i = random.Next(sizes.Length);
            if (total < _residents && sizes[i] < 9)
            {
                sizes[i]++;
                total++;
            }
            else if (total > _residents && sizes[i] > 1)
            {
                sizes[i]--;
                total--;
            }
        }
        return sizes;
    }

    public IEnumerable<Dictionary<string, string>> Generate()
    {
        var sizes = HouseholdSizes();
        var faker = new Faker("zh_CN") { Random = new Randomizer(_seed) };
        // Bogus builds a company name from templates (≈ 80 µs) and a first name from locale data
        // (≈ 3 µs): pools drawn once per seed from the same seeded faker keep the people
        // deterministic and take that out of the per-resident cost.
        var firstNames = Pool(faker, static f => f.Name.FirstName(), 1024);
        var companies = Pool(faker, static f => f.Company.CompanyName(), 512);
        var usedIds = new HashSet<long>();
        // Looked up once per community, not once per household (the tree's child lookup is a scan).
        var places = _communities
            .Select(c => (Community: c, Compounds: _tree.CompoundsOf(c.Code), Grids: _tree.ChildrenOf(c.Code).Where(g => g.Kind == JurisdictionKind.Grid).ToArray(), Street: _tree.Find(c.Parent!)!))
            .ToArray();
        for (var h = 0; h < sizes.Length; h++)
        {
            var (community, compounds, grids, street) = places[h % places.Length];
            var compoundIndex = faker.Random.Int(0, Math.Max(compounds.Count, 1) - 1);
            var compound = compounds.Count > 0 ? compounds[compoundIndex] : null;
            // Grids follow compounds where there are as many grids as compounds (community Y).
            var grid = grids.Length == 0 ? null : grids[compoundIndex % grids.Length].Code;
            var building = faker.Random.Int(1, 24);
            var unit = faker.Random.Int(1, 4);
            var room = $"{faker.Random.Int(1, 18)}{faker.Random.Int(1, 4):00}";
            var address = $"四川省成都市武侯区{street.NameZh}{compound?.NameZh ?? community.NameZh}{building}栋{unit}单元{room}号";
            var householdId = $"H{community.Code}{h:D6}";
            var register = Register.Next(faker.Random);
            var surname = Pick(faker.Random, LocalSurnameWeights);
            var dibao = faker.Random.Bool(0.025f);
            var size = sizes[h];
            var headAge = size == 1 ? faker.Random.Int(20, 92) : faker.Random.Int(28, 80);

            for (var m = 0; m < size; m++)
            {
                var (relation, age) = m switch
                {
                    0 => ("head", headAge),
                    1 => ("spouse", Math.Clamp(headAge + faker.Random.Int(-5, 5), 20, 95)),
                    _ when headAge >= 50 && m == size - 1 && faker.Random.Bool(0.3f) => ("grandchild", faker.Random.Int(0, Math.Max(0, headAge - 45))),
                    _ when headAge <= 60 && m >= 3 && faker.Random.Bool(0.5f) => ("parent", Math.Min(100, headAge + faker.Random.Int(22, 32))),
                    _ => ("child", Math.Max(0, headAge - faker.Random.Int(22, 36))),
                };
                var male = m switch { 0 => faker.Random.Bool(0.6f), 1 => false, _ => faker.Random.Bool() };
                if (m == 1 && faker.Random.Bool(0.1f))
                {
                    male = true;
                }
                var birth = ReferenceDate.AddDays(-(age * 365 + faker.Random.Int(0, 364)));
                var region = register == "local" ? Pick(faker.Random, LocalRegions) : Pick(faker.Random, OtherRegions);
                var id = NewIdNumber(faker, region, birth, male, usedIds);
                var fields = new Dictionary<string, string>(40, StringComparer.Ordinal)
                {
                    ["name"] = (relation is "head" or "child" or "grandchild" ? surname : Pick(faker.Random, LocalSurnameWeights)) + Pick(faker.Random, firstNames),
                    ["id_number"] = id,
                    ["gender"] = male ? "male" : "female",
                    ["birth_date"] = birth.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    ["ethnicity"] = Ethnicity.Next(faker.Random),
                    ["community"] = community.Code,
                    ["address"] = address,
                    ["building"] = building.ToString(CultureInfo.InvariantCulture),
                    ["unit"] = unit.ToString(CultureInfo.InvariantCulture),
                    ["room"] = room,
                    ["household_id"] = householdId,
                    ["relation_to_head"] = relation,
                    ["household_size"] = size.ToString(CultureInfo.InvariantCulture),
                    ["household_register"] = register,
                    ["marital_status"] = age < 22 ? "single" : relation is "head" or "spouse" && size > 1 ? "married"
                        : (age > 70 ? MaritalOver70 : MaritalAdult).Next(faker.Random),
                    ["education"] = Education(faker, age),
                    ["political_status"] = age is >= 14 and <= 28 && faker.Random.Bool(0.3f) ? "cyl_member" : age >= 18 && faker.Random.Bool(0.08f) ? "cpc_member" : "masses",
                    ["employment_status"] = Employment(faker, age),
                    ["insurance"] = age < 18 ? "urban_rural_resident" : Insurance.Next(faker.Random),
                };
                if (compound is not null)
                {
                    fields["compound"] = compound.Code;
                }
                if (grid is not null)
                {
                    fields["grid"] = grid;
                }
                if (age >= 12)
                {
                    fields["phone"] = Phone(faker);
                }
                if (age >= 70 && faker.Random.Bool(0.5f))
                {
                    fields["emergency_contact_phone"] = Phone(faker);
                }
                if (fields["employment_status"] == "employed")
                {
                    fields["employer"] = Pick(faker.Random, companies);
                }
                fields["dibao"] = dibao ? "true" : "false";
                var disabled = faker.Random.Bool(age >= 60 ? 0.12f : 0.04f);
                fields["disability_status"] = disabled ? "true" : "false";
                if (disabled)
                {
                    fields["disability_grade"] = DisabilityGrade.Next(faker.Random);
                }
                if (age >= 60)
                {
                    fields["elderly_living_alone"] = size == 1 ? "true" : "false";
                }
                if (age >= 20)
                {
                    fields["veteran_status"] = male && age >= 30 && faker.Random.Bool(0.05f) ? "true" : "false";
                }
                if (faker.Random.Bool(0.06f))
                {
                    fields["volunteer"] = "true";
                }
                fields["chronic_condition"] = age >= 45 && faker.Random.Bool(age >= 65 ? 0.55f : 0.25f)
                    ? ChronicCondition.Next(faker.Random)
                    : "none";
                if (fields["chronic_condition"] != "none" && faker.Random.Bool(0.2f))
                {
                    fields["health_notes"] = Pick(faker.Random, HealthNotes);
                }
                // Restricted special identities (L5): recorded only where true; rates near national figures.
                if (age >= 18)
                {
                    Flag(faker, fields, "community_correction", 0.001f);
                    Flag(faker, fields, "released_prisoner", 0.002f);
                    Flag(faker, fields, "drug_user", 0.0015f);
                    Flag(faker, fields, "severe_mental_illness", 0.005f);
                    Flag(faker, fields, "hiv_status", 0.0008f);
                    if (!male && faker.Random.Bool(0.0008f))
                    {
                        fields["dv_victim_address"] = $"四川省成都市{Pick(faker.Random, ShelterDistricts)}某庇护点{faker.Random.Int(1, 9)}号";
                    }
                }
                yield return fields;
            }
        }
    }

    private static void Flag(Faker faker, Dictionary<string, string> fields, string key, float rate)
    {
        if (faker.Random.Bool(rate))
        {
            fields[key] = "true";
        }
    }

    private static string Phone(Faker faker) =>
        Pick(faker.Random, MobilePrefixes)
        + faker.Random.Int(0, 99_999_999).ToString("D8", CultureInfo.InvariantCulture);

    private static string Education(Faker faker, int age) => age switch
    {
        < 6 => "none",
        < 12 => "primary",
        < 15 => "junior",
        < 18 => EducationTeen.Next(faker.Random),
        < 23 => EducationYoung.Next(faker.Random),
        < 60 => EducationAdult.Next(faker.Random),
        _ => EducationElderly.Next(faker.Random),
    };

    private static string Employment(Faker faker, int age) => age switch
    {
        < 6 => "preschool",
        < 18 => "student",
        < 23 => EmploymentYoung.Next(faker.Random),
        < 55 => EmploymentAdult.Next(faker.Random),
        < 65 => EmploymentSenior.Next(faker.Random),
        _ => "retired",
    };

    /// <summary>A GB 11643 number unique in this run: region, birth date, sequence of the right parity, check digit.</summary>
    private static string NewIdNumber(Faker faker, string region, DateOnly birth, bool male, HashSet<long> used)
    {
        var prefix = region + birth.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        for (var attempt = 0; ; attempt++)
        {
            var seq = faker.Random.Int(0, 499) * 2 + (male ? 1 : 0);
            var first17 = prefix + seq.ToString("D3", CultureInfo.InvariantCulture);
            if (used.Add(long.Parse(first17[..17], CultureInfo.InvariantCulture)) || attempt > 2000)
            {
                return first17 + ChineseIdNumber.CheckCharFor(first17);
            }
        }
    }

    private static string[] Pool(Faker faker, Func<Faker, string> make, int size)
    {
        var pool = new string[size];
        for (var i = 0; i < pool.Length; i++)
        {
            pool[i] = make(faker);
        }
        return pool;
    }

    private static T Pick<T>(Randomizer random, T[] items) => items[random.Number(items.Length - 1)];

    /// <summary>
    /// A weighted choice with its cumulative weights computed once (Bogus's WeightedRandom
    /// validates and sums the weights on every call, ≈ 2.6 µs).
    /// </summary>
    private sealed class WeightedChoice
    {
        private readonly string[] _values;
        private readonly float[] _cumulative;

        public WeightedChoice(string[] values, float[] weights)
        {
            _values = values;
            _cumulative = new float[weights.Length];
            var sum = 0f;
            for (var i = 0; i < weights.Length; i++)
            {
                sum += weights[i];
                _cumulative[i] = sum;
            }
        }

        public string Next(Randomizer random)
        {
            var x = random.Float(0f, _cumulative[^1]);
            for (var i = 0; i < _cumulative.Length; i++)
            {
                if (x < _cumulative[i])
                {
                    return _values[i];
                }
            }
            return _values[^1];
        }
    }
}
