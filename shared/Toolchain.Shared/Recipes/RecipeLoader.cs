using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Toolchain.Recipes;

/// <summary>Reads a recipe file, applies command-line overrides such as <c>optimizer.lr=0.01</c>, and validates it.</summary>
public static class RecipeLoader
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();

    /// <summary>models/&lt;name&gt;/recipe.yaml under the given models folder.</summary>
    public static string PathFor(string modelsDirectory, string model) => Path.Combine(modelsDirectory, model, "recipe.yaml");

    public static Recipe Load(string path, IReadOnlyList<KeyValuePair<string, string>>? overrides = null)
    {
        if (!File.Exists(path)) throw new RecipeException($"recipe '{path}' does not exist");
        return Parse(File.ReadAllText(path), path, overrides);
    }

    public static Recipe Parse(string yaml, string path, IReadOnlyList<KeyValuePair<string, string>>? overrides = null)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(yaml)); }
        catch (YamlException e) { throw new RecipeException($"recipe '{path}': not valid YAML at line {e.Start.Line}: {e.Message}", e); }
        var root = stream.Documents.Count > 0 ? stream.Documents[0].RootNode as YamlMappingNode : null;
        if (root is null) throw new RecipeException($"recipe '{path}': expected a mapping of sections at the top level");
        foreach (var (key, value) in overrides ?? []) Apply(root, key, value, path);

        var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        Recipe recipe;
        try { recipe = Deserializer.Deserialize<Recipe>(writer.ToString()) ?? new Recipe(); }
        catch (YamlException e)
        {
            var reason = e.InnerException?.Message ?? e.Message;
            throw new RecipeException($"recipe '{path}': {reason} (near line {e.Start.Line} of the effective recipe)", e);
        }
        if (string.IsNullOrEmpty(recipe.Name))
            recipe.Name = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path))) ?? "model";
        var problems = RecipeValidator.Problems(recipe);
        if (problems.Count > 0)
            throw new RecipeException($"recipe '{path}' has {problems.Count} problem(s):\n  " + string.Join("\n  ", problems));
        return recipe;
    }

    /// <summary>Sets a dotted key path (e.g. optimizer.lr) to a scalar, creating sections as needed.</summary>
    private static void Apply(YamlMappingNode root, string keyPath, string value, string path)
    {
        var parts = keyPath.Split('.');
        var node = root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            var key = new YamlScalarNode(parts[i]);
            if (!node.Children.TryGetValue(key, out var child))
                node.Children[key] = child = new YamlMappingNode();
            node = child as YamlMappingNode
                ?? throw new RecipeException($"recipe '{path}': override '{keyPath}': '{parts[i]}' is not a section");
        }
        YamlNode scalar = value.StartsWith('[')
            ? new YamlStream().Let(s => { s.Load(new StringReader(value)); return s.Documents[0].RootNode; })
            : new YamlScalarNode(value);
        node.Children[new YamlScalarNode(parts[^1])] = scalar;
    }

    private static TResult Let<T, TResult>(this T value, Func<T, TResult> f) => f(value);
}
