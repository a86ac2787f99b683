using Spectre.Console;

namespace Cltool.Cli.Infrastructure;

public static class TableExtensions
{
    /// <summary>Adds a row of plain text: Spectre would read "[1, 3]" or a file name in brackets as markup.</summary>
    public static Table AddTextRow(this Table table, params string[] cells) => table.AddRow(cells.Select(Markup.Escape).ToArray());
}
