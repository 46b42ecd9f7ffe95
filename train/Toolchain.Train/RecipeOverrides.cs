using Toolchain.Recipes;

namespace Toolchain.Train;

/// <summary>Turns leftover command-line tokens "--section.key value" (or "--section.key=value") into recipe overrides.</summary>
public static class RecipeOverrides
{
    public static List<KeyValuePair<string, string>> Parse(IReadOnlyList<string> tokens)
    {
        var overrides = new List<KeyValuePair<string, string>>();
        for (int i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (!token.StartsWith("--") || !token.Contains('.'))
                throw new RecipeException($"unknown argument '{token}': recipe overrides look like --section.key value (e.g. --optimizer.lr 0.01)");
            var body = token[2..];
            var equals = body.IndexOf('=');
            if (equals > 0) { overrides.Add(new(body[..equals], body[(equals + 1)..])); continue; }
            if (i + 1 >= tokens.Count) throw new RecipeException($"override '{token}' has no value");
            overrides.Add(new(body, tokens[++i]));
        }
        return overrides;
    }
}
