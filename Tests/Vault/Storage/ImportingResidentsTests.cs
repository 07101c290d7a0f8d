using System.Text;
using DataVault.Vault.Import;
using DataVault.Vault.Residents;

namespace DataVault.Tests.Vault.Storage;

/// <summary>The import verb's behaviour on a real store, on SQLite and on PostgreSQL.</summary>
public sealed class ImportingResidentsTests
{
    private static readonly string GoodId = Canaries.IdNumber("19850314", 123);
    private static readonly string OtherId = Canaries.IdNumber("19620101", 456);

    [Theory]
    [InlineData(StorageLane.Sqlite)]
    [InlineData(StorageLane.Postgres)]
    [InlineData(StorageLane.PartitionedPostgres)]
    public async Task Import_MinimalColumns_StoresResidentsReadableByIdNumber(StorageLane lane)
    {
        await using var vault = await TestVault.CreateAsync(lane);
        var csv = await Canaries.WriteAsync(vault.DataDirectory, "in.csv", Canaries.Csv(
            "name,id_number,phone,community",
            $"张伟,{GoodId},13812345678,{Canaries.Community}",
            $"李娜,{OtherId},+86 139-0000-1111,{Canaries.Community}"), new UTF8Encoding(false));

        var report = await vault.Get<ResidentImporter>().ImportAsync(csv, new ImportRequest(), TestContext.Current.CancellationToken);

        Assert.True(report.Imported, string.Join("; ", report.Errors));
        Assert.Equal(2, report.Created);
        var stored = await vault.Get<ResidentReader>().FindByIdNumberAsync(OtherId, TestContext.Current.CancellationToken);
        Assert.NotNull(stored);
        Assert.Equal("李娜", stored.Values["name"]);
        Assert.Equal("13900001111", stored.Values["phone"]);
        Assert.Equal(Canaries.Community, stored.CommunityCode);
    }

    [Theory]
    [InlineData(StorageLane.Sqlite)]
    [InlineData(StorageLane.Postgres)]
    [InlineData(StorageLane.PartitionedPostgres)]
    public async Task Import_AnyBadRow_ImportsNothingAndNamesRowFieldReason(StorageLane lane)
    {
        await using var vault = await TestVault.CreateAsync(lane);
        var badId = Canaries.WithBadCheckDigit(OtherId);
        var csv = await Canaries.WriteAsync(vault.DataDirectory, "in.csv", Canaries.Csv(
            "name,id_number,phone,community",
            $"张伟,{GoodId},13812345678,{Canaries.Community}",
            $"王芳,{badId},13812345679,{Canaries.Community}",
            $"刘洋,{Canaries.IdNumber("19900101", 11)},23812345679,510107009009"), new UTF8Encoding(false));

        var report = await vault.Get<ResidentImporter>().ImportAsync(csv, new ImportRequest(), TestContext.Current.CancellationToken);

        Assert.False(report.Imported);
        Assert.Equal(
            [
                "row 3, field id_number: ID number check digit is wrong",
                "row 4, field community: unknown community ('510107009009')",
                "row 4, field phone: not a mainland China mobile number",
            ],
            report.Errors.Select(e => e.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal(0, await vault.Get<ResidentReader>().CountAsync(TestContext.Current.CancellationToken));
        // Never an L3+ value in a reason.
        Assert.DoesNotContain(report.Errors, e => e.Reason.Contains(badId[..17], StringComparison.Ordinal) || e.Reason.Contains("2381234", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(StorageLane.Sqlite)]
    [InlineData(StorageLane.Postgres)]
    [InlineData(StorageLane.PartitionedPostgres)]
    public async Task Import_UnknownField_RejectsWholeFileAndLeavesStoreUnchanged(StorageLane lane)
    {
        await using var vault = await TestVault.CreateAsync(lane);
        var first = await Canaries.WriteAsync(vault.DataDirectory, "first.csv", Canaries.Csv(
            "name,id_number,community", $"张伟,{GoodId},{Canaries.Community}"), new UTF8Encoding(false));
        await vault.Get<ResidentImporter>().ImportAsync(first, new ImportRequest(), TestContext.Current.CancellationToken);
        var csv = await Canaries.WriteAsync(vault.DataDirectory, "in.csv", Canaries.Csv(
            "name,id_number,community,religion_detail",
            $"张伟改,{GoodId},{Canaries.Community},x"), new UTF8Encoding(false));

        var report = await vault.Get<ResidentImporter>().ImportAsync(csv, new ImportRequest(SkipInvalid: true), TestContext.Current.CancellationToken);

        Assert.False(report.Imported);
        Assert.Equal("row 1, field religion_detail: unknown field (not in the resident schema)", Assert.Single(report.Errors).ToString());
        var stored = await vault.Get<ResidentReader>().FindByIdNumberAsync(GoodId, TestContext.Current.CancellationToken);
        Assert.Equal("张伟", stored!.Values["name"]);
        Assert.Equal(1, await vault.Get<ResidentReader>().CountAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(StorageLane.Sqlite)]
    [InlineData(StorageLane.Postgres)]
    [InlineData(StorageLane.PartitionedPostgres)]
    public async Task Import_SkipInvalid_ImportsGoodRowsAndWritesRejects(StorageLane lane)
    {
        await using var vault = await TestVault.CreateAsync(lane);
        var csv = await Canaries.WriteAsync(vault.DataDirectory, "in.csv", Canaries.Csv(
            "name,id_number,community",
            $"张伟,{GoodId},{Canaries.Community}",
            $"王芳,{Canaries.WithBadCheckDigit(OtherId)},{Canaries.Community}"), new UTF8Encoding(false));
        var rejects = Path.Combine(vault.DataDirectory, "rejects.csv");

        var report = await vault.Get<ResidentImporter>().ImportAsync(csv, new ImportRequest(SkipInvalid: true, RejectsPath: rejects), TestContext.Current.CancellationToken);

        Assert.True(report.Imported);
        Assert.Equal((1, 1), (report.Created, report.Rejected));
        var lines = await File.ReadAllLinesAsync(rejects, TestContext.Current.CancellationToken);
        Assert.Equal("row,name,id_number,community,reasons", lines[0]);
        Assert.StartsWith("3,王芳,", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(",id_number: ID number check digit is wrong", lines[1], StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(rejects));
        }
    }

    [Theory]
    [InlineData(StorageLane.Sqlite)]
    [InlineData(StorageLane.Postgres)]
    [InlineData(StorageLane.PartitionedPostgres)]
    public async Task Import_Gb18030File_IsDetectedAndDecoded(StorageLane lane)
    {
        await using var vault = await TestVault.CreateAsync(lane);
        var csv = await Canaries.WriteAsync(vault.DataDirectory, "excel.csv", Canaries.Csv(
            "name,id_number,community,address",
            $"欧阳娜娜,{GoodId},{Canaries.Community},四川省成都市武侯区玉林街道银杏苑3栋2单元401号"), Canaries.Gb18030);

        var report = await vault.Get<ResidentImporter>().ImportAsync(csv, new ImportRequest(), TestContext.Current.CancellationToken);

        Assert.True(report.Imported, string.Join("; ", report.Errors));
        Assert.Equal("gb18030", report.EncodingName, ignoreCase: true);
        var stored = await vault.Get<ResidentReader>().FindByIdNumberAsync(GoodId, TestContext.Current.CancellationToken);
        Assert.Equal("欧阳娜娜", stored!.Values["name"]);
        Assert.Equal("四川省成都市武侯区玉林街道银杏苑3栋2单元401号", stored.Values["address"]);
    }

    [Theory]
    [InlineData(StorageLane.Sqlite)]
    [InlineData(StorageLane.Postgres)]
    [InlineData(StorageLane.PartitionedPostgres)]
    public async Task Import_SamePersonTwice_UpdatesOneRecordAndReportsChangedKeys(StorageLane lane)
    {
        await using var vault = await TestVault.CreateAsync(lane);
        var importer = vault.Get<ResidentImporter>();
        var first = await Canaries.WriteAsync(vault.DataDirectory, "a.csv", Canaries.Csv(
            "name,id_number,phone,community,dibao",
            $"张伟,{GoodId},13812345678,{Canaries.Community},false"), new UTF8Encoding(true));
        // Same person: lowercase/full-width forms of the same ID number, a new phone, dibao granted.
        var typedId = GoodId.Replace('1', '１');
        var second = await Canaries.WriteAsync(vault.DataDirectory, "b.csv", Canaries.Csv(
            "name,id_number,phone,community,dibao,compound",
            $"张伟,{typedId},13987654321,{Canaries.Community},是,C03"), new UTF8Encoding(true));

        var a = await importer.ImportAsync(first, new ImportRequest(), TestContext.Current.CancellationToken);
        var b = await importer.ImportAsync(second, new ImportRequest(), TestContext.Current.CancellationToken);

        var created = Assert.Single(a.Outcomes);
        var updated = Assert.Single(b.Outcomes);
        Assert.Equal(WriteKind.Updated, updated.Kind);
        Assert.Equal(created.ResidentId, updated.ResidentId);
        Assert.Equal(["compound", "dibao", "phone"], updated.ChangedKeys);
        Assert.Equal(1, await vault.Get<ResidentReader>().CountAsync(TestContext.Current.CancellationToken));
        var stored = await vault.Get<ResidentReader>().FindAsync(created.ResidentId, TestContext.Current.CancellationToken);
        Assert.Equal(("13987654321", "true", 2), (stored!.Values["phone"], stored.Values["dibao"], stored.Version));
    }

    [Theory]
    [InlineData(StorageLane.Sqlite)]
    [InlineData(StorageLane.Postgres)]
    [InlineData(StorageLane.PartitionedPostgres)]
    public async Task Import_SamePersonTwiceInOneFile_OneResidentSecondRowReportsChangedKeys(StorageLane lane)
    {
        await using var vault = await TestVault.CreateAsync(lane);
        var csv = await Canaries.WriteAsync(vault.DataDirectory, "in.csv", Canaries.Csv(
            "name,id_number,phone,community,employment_status",
            $"张伟,{GoodId},13812345678,{Canaries.Community},employed",
            $"张伟,{GoodId.ToLowerInvariant()},13812345678,{Canaries.Community},retired"), new UTF8Encoding(false));

        var report = await vault.Get<ResidentImporter>().ImportAsync(csv, new ImportRequest(), TestContext.Current.CancellationToken);

        Assert.Equal((1, 1), (report.Created, report.Updated));
        Assert.Equal(report.Outcomes[0].ResidentId, report.Outcomes[1].ResidentId);
        Assert.Equal(["employment_status"], report.Outcomes[1].ChangedKeys);
        var stored = await vault.Get<ResidentReader>().FindByIdNumberAsync(GoodId, TestContext.Current.CancellationToken);
        Assert.Equal("retired", stored!.Values["employment_status"]);
        Assert.Equal(1, await vault.Get<ResidentReader>().CountAsync(TestContext.Current.CancellationToken));
    }
}
