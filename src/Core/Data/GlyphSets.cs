using System.Globalization;
using Cltool.Core.Errors;

namespace Cltool.Core.Data;

/// <summary>
/// Named sets of characters, one class per character. The benchmark scripts (Latin, Greek, Cyrillic, digits) and the
/// pretraining scripts are disjoint, so a base model pretrained on <c>pretrain</c> has never seen a benchmark class.
/// Cherokee is left out of both: many of its letters are deliberate look-alikes of Latin ones.
/// </summary>
public static class GlyphSets
{
    public static readonly IReadOnlyDictionary<string, (int From, int To)[]> Scripts = new Dictionary<string, (int, int)[]>
    {
        ["latin-upper"] = [(0x41, 0x5A)],
        ["latin-lower"] = [(0x61, 0x7A)],
        ["digits"] = [(0x30, 0x39)],
        ["greek-upper"] = [(0x391, 0x3A9)],
        ["greek-lower"] = [(0x3B1, 0x3C1), (0x3C3, 0x3C9)], // final sigma is a form of sigma, not a class
        ["cyrillic-upper"] = [(0x410, 0x42F)],
        ["cyrillic-lower"] = [(0x430, 0x44F)],
        ["armenian"] = [(0x531, 0x556), (0x561, 0x586)],
        ["georgian"] = [(0x10D0, 0x10FA)],
        ["hebrew"] = [(0x5D0, 0x5EA)],
        ["devanagari"] = [(0x905, 0x939)],
        ["bengali"] = [(0x985, 0x9B9)],
        ["tamil"] = [(0xB85, 0xBB9)],
        ["thai"] = [(0xE01, 0xE2E)],
        ["ethiopic"] = [(0x1200, 0x1257)],
        ["canadian"] = [(0x1401, 0x1450)],
    };

    public static readonly IReadOnlyDictionary<string, string[]> Groups = new Dictionary<string, string[]>
    {
        ["benchmark"] = ["latin-upper", "latin-lower", "digits", "greek-upper", "greek-lower", "cyrillic-upper", "cyrillic-lower"],
        ["pretrain"] = ["armenian", "georgian", "hebrew", "devanagari", "bengali", "tamil", "thai", "ethiopic", "canadian"],
        // The continual-learning proxy: the benchmark scripts with look-alikes removed (see GlyphLookalikes).
        ["proxy"] = ["latin-upper", "latin-lower", "digits", "greek-upper", "greek-lower", "cyrillic-upper", "cyrillic-lower"],
    };

    /// <summary>Groups whose look-alike classes are measured and dropped when they are opened.</summary>
    public static readonly IReadOnlySet<string> LookalikeFreeGroups = new HashSet<string> { "proxy" };

    /// <summary>Whether a set list names a look-alike-free group, so that its classes are filtered by measurement.</summary>
    public static bool DropsLookalikes(string sets) =>
        sets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Any(LookalikeFreeGroups.Contains);

    /// <summary>The code points of a comma-separated list of scripts and groups, letters and digits only, in order.</summary>
    public static int[] Resolve(string sets)
    {
        var codePoints = new List<int>();
        foreach (string part in sets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] scripts = Groups.TryGetValue(part, out string[]? group) ? group
                : Scripts.ContainsKey(part) ? [part]
                : throw new CltoolException($"Unknown glyph set '{part}'; expected one of: {string.Join(", ", Groups.Keys.Concat(Scripts.Keys))}.");
            foreach (string script in scripts)
                foreach ((int from, int to) in Scripts[script])
                    for (int codePoint = from; codePoint <= to; codePoint++)
                        if (IsLetterOrDigit(codePoint) && !codePoints.Contains(codePoint)) codePoints.Add(codePoint);
        }
        return codePoints.ToArray();
    }

    static bool IsLetterOrDigit(int codePoint) => CharUnicodeInfo.GetUnicodeCategory(codePoint) is
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber;
}
