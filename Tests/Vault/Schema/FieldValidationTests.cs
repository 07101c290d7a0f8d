using DataVault.Tests.Vault.Storage;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using Microsoft.Extensions.Time.Testing;

namespace DataVault.Tests.Vault.Schema;

public sealed class FieldValidationTests
{
    private static readonly DateOnly Today = new(2026, 6, 1);
    private static readonly string Policies = Path.Combine(TestVault.RepoRoot, "policies");
    private static readonly ResidentValidator Validator = new(
        ResidentSchema.LoadOrThrow(Path.Combine(Policies, "fields.csv")),
        JurisdictionTree.LoadOrThrow(Policies),
        new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero)));

    [Theory]
    [InlineData("11010519491231002X", null)] // the standard's own example
    [InlineData("11010519491231002x", null)]
    [InlineData("１１０１０５１９４９１２３１００２Ｘ", null)]
    [InlineData("110105194912310021", "ID number check digit is wrong")]
    [InlineData("11010519491331002X", "ID number has an invalid birth date")]
    [InlineData("990105194912310021", "ID number has an unknown region prefix")]
    [InlineData("1101051949123100", "ID number must have 18 characters")]
    [InlineData("11010520300101002X", "ID number has an invalid birth date")]
    public void Check_IdNumbers_ReturnsExactReason(string raw, string? expected)
    {
        Assert.Equal(expected, ChineseIdNumber.Check(ChineseIdNumber.Normalize(raw), Today));
    }

    [Fact]
    public void Validate_PartialRecord_OnlyRequiredFieldsNeeded()
    {
        var outcome = Validator.Validate(2, Input(("name", "张伟"), ("id_number", Canaries.IdNumber("19850314", 123)), ("community", Canaries.Community), ("phone", "")));

        Assert.True(outcome.IsValid, string.Join("; ", outcome.Errors));
        Assert.Equal(["community", "id_number", "name"], outcome.Resident!.Fields.Keys.Order());
        Assert.Equal("510107", outcome.Resident.DistrictCode);
        Assert.Equal("510107004", outcome.Resident.StreetCode);
    }

    [Fact]
    public void Validate_BadValues_ErrorsNameFieldAndReasonButNoL3Value()
    {
        var outcome = Validator.Validate(7, Input(
            ("name", "张伟"), ("id_number", Canaries.IdNumber("19850314", 123)), ("community", Canaries.Community),
            ("nickname", "x"), ("phone", "12345"), ("birth_date", "1985-03-15"), ("dibao", "maybe"),
            ("grid", "510107001001-01"), ("compound", "C10"), ("household_size", "30"), ("ethnicity", "martian")));

        Assert.Equal(
            [
                "row 7, field birth_date: does not match the birth date in the ID number",
                "row 7, field compound: unknown compound for the record's community ('C10')",
                "row 7, field dibao: not true/false (or 是/否)",
                "row 7, field ethnicity: not one of han|yi|tibetan|qiang|hui|miao|tujia|manchu|mongol|zhuang|other",
                "row 7, field grid: grid is not in the record's community ('510107001001-01')",
                "row 7, field household_size: out of range 1..20",
                "row 7, field nickname: unknown field (not in the resident schema)",
                "row 7, field phone: not a mainland China mobile number",
            ],
            outcome.Errors.Select(e => e.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Validate_TextWithControlCharacters_RefusedWithoutTheValue()
    {
        var outcome = Validator.Validate(3, Input(
            ("name", "张\u0000伟"), ("id_number", Canaries.IdNumber("19850314", 123)), ("community", Canaries.Community),
            ("address", "玉林街道\u001b[31m")));

        Assert.Equal(
            ["row 3, field address: contains control characters", "row 3, field name: contains control characters"],
            outcome.Errors.Select(e => e.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Validate_MissingRequired_ReportsEach()
    {
        var outcome = Validator.Validate(3, Input(("phone", "13812345678")));

        Assert.Equal(["row 3, field community: required", "row 3, field id_number: required", "row 3, field name: required"],
            outcome.Errors.Select(e => e.ToString()).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("name", "张三", "张*")]
    [InlineData("name", "欧阳娜娜", "欧***")]
    [InlineData("phone", "13812345678", "138****5678")]
    [InlineData("id_number", "510107198503141234", "5101**********1234")]
    [InlineData("birth_date", "1985-03-14", "1985")]
    [InlineData("address", "四川省成都市武侯区玉林街道", "四川省成都市****")]
    [InlineData("chronic_condition", "diabetes", "diabetes")]
    [InlineData("health_notes", "长期服药", "present")]
    [InlineData("hiv_status", "true", "present")]
    [InlineData("compound", "C03", "C03")]
    public void Mask_EachRule_ShowsWhatTheSchemaSays(string key, string value, string expected)
    {
        Assert.Equal(expected, Masking.Mask(Validator.Schema[key], value));
    }

    private static IEnumerable<KeyValuePair<string, string?>> Input(params (string Key, string Value)[] fields) =>
        fields.Select(f => new KeyValuePair<string, string?>(f.Key, f.Value));
}
