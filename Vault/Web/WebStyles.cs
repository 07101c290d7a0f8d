namespace DataVault.Vault.Web;

/// <summary>
/// The one style sheet. Colours are chosen for WCAG AA (text contrast at least 4.5:1 on its
/// background: #1a1a1a on #fff is 17:1, #0b4f9c on #fff 8.2:1, #fff on #0b4f9c 8.2:1, #8a1c1c on
/// #fff 8.6:1, #1d5e20 on #fff 7.4:1); focus is always visible (a thick outline, never removed);
/// the layout is one column on a phone and relative units throughout, so the larger-text switch
/// (which only changes the root font size) scales everything.
/// </summary>
internal static class WebStyles
{
    public const string Css = """
        :root { font-size: 112.5%; }
        html.large { font-size: 143.75%; }
        * { box-sizing: border-box; }
        body { margin: 0; font-family: system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; line-height: 1.6; color: #1a1a1a; background: #fff; }
        a { color: #0b4f9c; }
        a:hover { text-decoration-thickness: 2px; }
        :focus-visible { outline: 3px solid #b35c00; outline-offset: 2px; }
        .skip { position: absolute; left: -999rem; top: 0; background: #fff; padding: .5rem 1rem; z-index: 10; }
        .skip:focus { left: .5rem; }
        header.site { background: #0b4f9c; color: #fff; padding: .5rem 1rem; display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; align-items: center; }
        header.site a, header.site button.link { color: #fff; }
        header.site .brand { font-weight: 700; font-size: 1.15rem; text-decoration: none; margin-right: auto; }
        header.site form { display: inline; margin: 0; }
        nav.sections { background: #eef3fa; border-bottom: 1px solid #c4d3e8; padding: .25rem 1rem; }
        nav.sections ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; }
        nav.sections a { display: inline-block; padding: .35rem 0; }
        nav.sections a[aria-current="page"] { font-weight: 700; color: #1a1a1a; }
        main { max-width: 64rem; margin: 0 auto; padding: 1rem; }
        h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
        h2 { font-size: 1.3rem; margin-top: 2rem; }
        table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
        th, td { text-align: left; vertical-align: top; padding: .45rem .5rem; border-bottom: 1px solid #c9c9c9; }
        th { background: #f2f2f2; }
        label { display: block; font-weight: 600; margin-top: .75rem; }
        input, select, textarea { font: inherit; padding: .45rem; border: 2px solid #555; border-radius: .3rem; max-width: 100%; }
        textarea { width: 100%; font-family: ui-monospace, "Cascadia Mono", Menlo, monospace; font-size: .9rem; }
        button, .button { font: inherit; padding: .5rem 1.1rem; border-radius: .3rem; border: 2px solid #0b4f9c; background: #0b4f9c; color: #fff; cursor: pointer; margin-top: .75rem; display: inline-block; text-decoration: none; }
        button.secondary { background: #fff; color: #0b4f9c; }
        button.link { background: none; border: 0; padding: 0; margin: 0; text-decoration: underline; color: inherit; }
        .row { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; }
        .row > div { min-width: 10rem; }
        .notice { border-left: .35rem solid #0b4f9c; background: #eef3fa; padding: .5rem 1rem; }
        .error { color: #8a1c1c; font-weight: 600; }
        .errors { border-left: .35rem solid #8a1c1c; background: #fdf0f0; padding: .5rem 1rem; }
        .ok { color: #1d5e20; font-weight: 600; }
        .muted { color: #4a4a4a; }
        .added { background: #e6f4e6; }
        .removed { background: #fbe9e9; }
        pre, code { font-family: ui-monospace, "Cascadia Mono", Menlo, monospace; font-size: .9rem; }
        pre { white-space: pre-wrap; word-break: break-word; background: #f6f6f6; padding: .75rem; border: 1px solid #d0d0d0; }
        .card { border: 1px solid #c9c9c9; border-radius: .4rem; padding: .75rem 1rem; margin: .75rem 0; }
        .badge { display: inline-block; padding: 0 .45rem; border-radius: .3rem; font-size: .85rem; font-weight: 600; border: 1px solid currentColor; }
        @media (max-width: 40rem) {
          table.stack thead { position: absolute; left: -999rem; }
          table.stack tr { display: block; border-bottom: 2px solid #c9c9c9; padding: .35rem 0; }
          table.stack td { display: block; border: 0; padding: .15rem 0; }
          table.stack td::before { content: attr(data-label) ": "; font-weight: 600; }
        }
        """;
}
