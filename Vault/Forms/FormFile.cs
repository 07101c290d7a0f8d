using System.Globalization;
using System.Text;
using CsvHelper;
using DataVault.Vault.ResidentApi;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace DataVault.Vault.Forms;

/// <summary>A filled form before it becomes a file: the title block, the header as the department prints it, the rows.</summary>
public sealed record FormSheet(string Title, IReadOnlyList<string> Subtitle, IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>The formats a form downloads as.</summary>
public static class FormFormats
{
    public const string Xlsx = "xlsx";
    public const string Csv = "csv";
    public const string CsvGb18030 = "csv-gb18030";
    public static readonly IReadOnlyList<string> All = [Xlsx, Csv, CsvGb18030];

    public static string ContentType(string format) => format switch
    {
        Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        CsvGb18030 => "text/csv; charset=gb18030",
        _ => "text/csv; charset=utf-8",
    };

    public static string Extension(string format) => format == Xlsx ? "xlsx" : "csv";
}

/// <summary>
/// Writes a <see cref="FormSheet"/> as XLSX (the Open XML SDK: one sheet, the title merged across the
/// columns, every cell a string so nothing a resident typed runs as a formula) or as CSV (UTF-8 with BOM,
/// or GB18030 for older spreadsheet software; cells quoted and formula-neutralised as the export's are).
/// </summary>
public static class FormFileWriter
{
    static FormFileWriter() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>GB 18030 (code page 54936): what Excel on a Chinese Windows opens without asking.</summary>
    public static Encoding Gb18030 => Encoding.GetEncoding(54936);

    public static byte[] Write(FormSheet sheet, string format) => format == FormFormats.Xlsx ? Xlsx(sheet) : Csv(sheet, format == FormFormats.CsvGb18030 ? Gb18030 : new UTF8Encoding(true));

    private static byte[] Csv(FormSheet sheet, Encoding encoding)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = new CsvWriter(text, ResidentExportEndpoints.CsvConfig))
        {
            void Line(IEnumerable<string> cells)
            {
                foreach (var cell in cells)
                {
                    csv.WriteField(cell);
                }
                csv.NextRecord();
            }
            Line([sheet.Title]);
            foreach (var line in sheet.Subtitle)
            {
                Line([line]);
            }
            Line(sheet.Header);
            foreach (var row in sheet.Rows)
            {
                Line(row);
            }
        }
        return [.. encoding.GetPreamble(), .. encoding.GetBytes(text.ToString())];
    }

    private static byte[] Xlsx(FormSheet sheet)
    {
        using var memory = new MemoryStream();
        using (var document = SpreadsheetDocument.Create(memory, SpreadsheetDocumentType.Workbook))
        {
            var workbook = document.AddWorkbookPart();
            workbook.Workbook = new Workbook();
            var styles = workbook.AddNewPart<WorkbookStylesPart>();
            styles.Stylesheet = Styles();
            var part = workbook.AddNewPart<WorksheetPart>();
            var data = new SheetData();
            var width = Math.Max(1, sheet.Header.Count);
            uint r = 0;
            data.Append(Row(++r, [sheet.Title], StyleTitle));
            foreach (var line in sheet.Subtitle)
            {
                data.Append(Row(++r, [line], StyleNormal));
            }
            var headerRow = ++r;
            data.Append(Row(headerRow, sheet.Header, StyleHeader));
            foreach (var row in sheet.Rows)
            {
                data.Append(Row(++r, row, StyleNormal));
            }
            var columns = new Columns();
            for (var i = 0; i < width; i++)
            {
                var longest = sheet.Rows.Select(x => i < x.Count ? Width(x[i]) : 0).Append(Width(sheet.Header[i])).Max();
                columns.Append(new Column { Min = (uint)i + 1, Max = (uint)i + 1, Width = Math.Clamp(longest + 2, 6, 60), CustomWidth = true });
            }
            var worksheet = new Worksheet();
            // The header stays in view while the rows scroll.
            worksheet.Append(new SheetViews(new SheetView(new Pane { VerticalSplit = headerRow, TopLeftCell = $"A{headerRow + 1}", ActivePane = PaneValues.BottomLeft, State = PaneStateValues.Frozen }) { WorkbookViewId = 0 }));
            worksheet.Append(columns);
            worksheet.Append(data);
            if (width > 1)
            {
                worksheet.Append(new MergeCells(new MergeCell { Reference = $"A1:{ColumnName(width - 1)}1" }));
            }
            part.Worksheet = worksheet;
            workbook.Workbook.AppendChild(new Sheets(new Sheet { Id = workbook.GetIdOfPart(part), SheetId = 1, Name = SheetName(sheet.Title) }));
            workbook.Workbook.Save();
        }
        return memory.ToArray();
    }

    private const uint StyleNormal = 0;
    private const uint StyleTitle = 1;
    private const uint StyleHeader = 2;

    private static Row Row(uint index, IEnumerable<string> cells, uint style)
    {
        var row = new Row { RowIndex = index };
        var c = 0;
        foreach (var value in cells)
        {
            row.Append(new Cell
            {
                CellReference = $"{ColumnName(c++)}{index}",
                DataType = CellValues.InlineString,
                StyleIndex = style,
                InlineString = new InlineString(new Text(value) { Space = SpaceProcessingModeValues.Preserve }),
            });
        }
        return row;
    }

    private static Stylesheet Styles() => new(
        new Fonts(new Font(new FontSize { Val = 11 }), new Font(new Bold(), new FontSize { Val = 14 }), new Font(new Bold(), new FontSize { Val = 11 })),
        new Fills(new Fill(new PatternFill { PatternType = PatternValues.None }), new Fill(new PatternFill { PatternType = PatternValues.Gray125 })),
        new Borders(new Border()),
        new CellFormats(
            new CellFormat { FontId = 0 },
            new CellFormat { FontId = 1, ApplyFont = true, Alignment = new Alignment { Horizontal = HorizontalAlignmentValues.Center } },
            new CellFormat { FontId = 2, ApplyFont = true }));

    /// <summary>A Chinese character is about two Latin ones wide.</summary>
    private static double Width(string text) => text.Sum(ch => ch > 0x2E80 ? 2 : 1);

    /// <summary>0 → A, 25 → Z, 26 → AA.</summary>
    public static string ColumnName(int index)
    {
        var name = "";
        for (var n = index + 1; n > 0; n = (n - 1) / 26)
        {
            name = (char)('A' + (n - 1) % 26) + name;
        }
        return name;
    }

    /// <summary>Excel's sheet names: at most 31 characters, none of []:*?/\.</summary>
    private static string SheetName(string title)
    {
        var clean = new string([.. title.Where(ch => "[]:*?/\\".IndexOf(ch) < 0)]);
        return clean.Length == 0 ? "Sheet1" : clean[..Math.Min(31, clean.Length)];
    }
}
