namespace Cltool.Core.Data;

/// <summary>Whether one built-in dataset can be used on this machine, and where it comes from.</summary>
public sealed record DatasetAvailability(string Name, bool Present, string Location, string Detail);
