using DataVault.Tests.Vault.Storage;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Schema;

namespace DataVault.Tests.Vault.Schema;

public sealed class ResidentSchemaTests
{
    private static string Policies => Path.Combine(TestVault.RepoRoot, "policies");

    [Fact]
    public void Load_ShippedFieldsCsv_MeetsTheIssueRules()
    {
        var (schema, errors) = ResidentSchema.Load(Path.Combine(Policies, "fields.csv"));

        Assert.Empty(errors);
        Assert.True(schema!.Fields.Count >= 30);
        Assert.Equal(["id_number", "phone"], schema.Fields.Where(f => f.Indexed).Select(f => f.Key));
        Assert.Equal(["name", "id_number", "community"], schema.Fields.Where(f => f.Required).Select(f => f.Key));
        Assert.Equal(SensitivityLevel.L2, schema["community"].Level);
        foreach (var key in new[] { "community_correction", "released_prisoner", "drug_user", "severe_mental_illness", "hiv_status", "dv_victim_address" })
        {
            Assert.Equal(SensitivityLevel.L5, schema[key].Level);
        }
    }

    [Fact]
    public void Load_BadLines_ReportsEveryErrorWithLineAndColumn()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("dv-schema-").FullName, "fields.csv");
        File.WriteAllLines(path,
        [
            string.Join(',', ResidentSchema.Columns),
            "name,姓名,Name,string,identity,public_security,L3,name,text:32,false,true",
            "id_number,身份证,ID,code,identity,public_security,L7,id_number,gb11643,true,true",
            "phone,电话,Phone,code,contact,community,L3,phone,phone_cn,true,false",
            "drug_user,吸毒,Drug user,bool,special_identity,public_security,L5,exists,bool,true,false",
            "community,社区,Community,code,jurisdiction,community,L2,none,postcode,false,true",
        ]);
        var missing = Path.Combine(Path.GetDirectoryName(path)!, "short.csv");
        File.WriteAllLines(missing, [string.Join(',', ResidentSchema.Columns), "name,姓名,Name,string,identity,public_security,L3,name,text:32,false,true"]);

        var (schema, errors) = ResidentSchema.Load(path);

        Assert.Null(schema);
        Assert.Equal(
            [
                "fields.csv:3: column 'level': unknown level 'L7' (expected L1..L5)",
                "fields.csv:5: column 'indexed': an L5 field is never indexed",
                "fields.csv:6: column 'validation': unknown validation 'postcode' (expected text:N, gb11643, phone_cn, enum:a|b, date, int:a..b, bool, jurisdiction:community|grid, compound)",
            ],
            errors.Select(e => e.ToString()));
        Assert.Equal(
            [
                "fields.csv:0: column 'key': mandatory field 'id_number' is missing",
                "fields.csv:0: column 'key': mandatory field 'phone' is missing",
                "fields.csv:0: column 'key': mandatory field 'community' is missing",
            ],
            ResidentSchema.Load(missing).Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Load_ShippedJurisdictions_HasCommunityYWithNineCompounds()
    {
        var tree = JurisdictionTree.LoadOrThrow(Policies);

        Assert.Equal(JurisdictionKind.District, tree.Find("510107")!.Kind);
        var y = tree.Find("510107004003")!;
        Assert.Equal(JurisdictionKind.Community, y.Kind);
        Assert.Equal("510107004", tree.AncestorOf("510107004003-05", JurisdictionKind.Street)!.Code);
        Assert.Equal(9, tree.CompoundsOf(y.Code).Count);
        Assert.InRange(tree.Nodes.Count(n => n.Kind == JurisdictionKind.Street), 3, 4);
    }

    [Fact]
    public void Load_CommunityUnderUnknownStreet_ReportsLine()
    {
        var dir = Directory.CreateTempSubdirectory("dv-tree-").FullName;
        File.WriteAllLines(Path.Combine(dir, "jurisdictions.csv"),
        [
            "code,parent,kind,name_zh,name_en",
            "510107,,district,武侯区,Wuhou District",
            "510107001,510107,street,浆洗街街道,Jiangxijie Street",
            "510107009001,510107009,community,某社区,Some Community",
            "510107001001-1,510107001001,grid,网格,Grid",
        ]);

        var (tree, errors) = JurisdictionTree.Load(dir);

        Assert.Null(tree);
        Assert.Equal(
            [
                "jurisdictions.csv:5: column 'code': '510107001001-1' is not a grid code",
                "jurisdictions.csv:4: column 'parent': '510107009' is not a known street",
            ],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Load_MovedCommunity_FollowsTheExplicitParentNotTheCodePrefix()
    {
        var dir = Directory.CreateTempSubdirectory("dv-tree-").FullName;
        File.WriteAllLines(Path.Combine(dir, "jurisdictions.csv"),
        [
            "code,parent,kind,name_zh,name_en",
            "510107,,district,武侯区,Wuhou District",
            "510107001,510107,street,浆洗街街道,Jiangxijie Street",
            "510107002,510107,street,望江路街道,Wangjianglu Street",
            "510107001003,510107002,community,纱帽街社区,Shamaojie Community",
        ]);

        var tree = JurisdictionTree.LoadOrThrow(dir);

        Assert.Equal("510107002", tree.AncestorOf("510107001003", JurisdictionKind.Street)!.Code);
    }
}
