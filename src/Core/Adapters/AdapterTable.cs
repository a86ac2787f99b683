namespace Cltool.Core.Adapters;

/// <summary>An adapter as inspect prints it: a one-line summary (may be empty), column headers and one row of cells per entry.</summary>
public sealed record AdapterTable(string Summary, IReadOnlyList<string> Columns, IReadOnlyList<string[]> Rows);
