using System.Collections.Frozen;

namespace DataVault.Vault.Web;

/// <summary>
/// Every word the web pages show, Chinese first with its English, in one place (so a translator
/// edits one file and a missing translation is a build-time table row, not a runtime surprise).
/// The language comes from <c>?lang=en|zh</c>, remembered in the same <c>dv_lang</c> cookie the
/// sign-in pages use, so a resident switches once for the whole visit.
/// </summary>
internal sealed class WebText
{
    public const string LangCookie = "dv_lang";

    private static readonly FrozenDictionary<string, (string Zh, string En)> Words = new Dictionary<string, (string, string)>
    {
        ["app"] = ("DataVault 数据保险箱", "DataVault"),
        ["skip"] = ("跳到正文", "Skip to content"),
        ["switch"] = ("English", "中文"),
        ["larger"] = ("放大字体", "Larger text"),
        ["normal"] = ("正常字体", "Normal text"),
        ["signout"] = ("退出登录", "Sign out"),
        ["signed_in_as"] = ("当前用户", "Signed in as"),
        ["home"] = ("首页", "Home"),
        ["home_intro"] = ("居民可以查看自己的信息、谁查看过、为什么查看；隐私专员在这里管理谁能看到什么。", "Residents see their data and who looked at it and why; privacy officers manage who may see what."),
        ["to_portal"] = ("居民：查看我的信息", "Residents: see my data"),
        ["to_console"] = ("隐私专员控制台", "Privacy officer console"),
        ["forbidden"] = ("您的账户不能打开此页面。", "Your account cannot open this page."),
        ["forbidden_mfa"] = ("此页面需要第二重验证登录。请退出后用动态验证码重新登录。", "This page needs a sign-in with the second factor. Sign out and sign in again with your authenticator code."),
        ["read_only"] = ("审计员只读：不能修改。", "Auditor: read only."),
        // Console
        ["console"] = ("隐私专员控制台", "Privacy officer console"),
        ["nav_policies"] = ("策略", "Policies"),
        ["nav_drafts"] = ("草稿与审批", "Drafts and approval"),
        ["nav_coverage"] = ("覆盖检查", "Coverage"),
        ["nav_log"] = ("访问记录", "Access log"),
        ["nav_questions"] = ("居民质询", "Residents' questions"),
        ["nav_breakglass"] = ("紧急访问复核", "Break-glass reviews"),
        ["nav_oversight"] = ("权限核查", "Who can see what"),
        ["nav_alerts"] = ("异常访问告警", "Snooping alerts"),
        ["alerts_intro"] = ("按 policies/snooping-rules.csv 中的规则从访问记录中发现的可疑访问。维持告警时，相关居民会在“谁查看过”页看到规则、日期、单位和您的理由。", "Suspicious access found in the access log by the rules of policies/snooping-rules.csv. When an alert is upheld, the residents concerned see the rule, the day, the unit and your reason on their \"who looked\" page."),
        ["alert_open"] = ("待处理", "Open"),
        ["alert_upheld"] = ("已维持", "Upheld"),
        ["alert_dismissed"] = ("已驳回", "Dismissed"),
        ["alert_evidence"] = ("证据条目", "Evidence entries"),
        ["alert_reason"] = ("处理理由", "Reason"),
        ["alert_reason_hint"] = ("（10–1000 字；维持时居民可见）", "(10–1000 characters; residents read it when upheld)"),
        ["alert_uphold"] = ("维持（告知居民）", "Uphold (tell the residents)"),
        ["alert_dismiss"] = ("驳回", "Dismiss"),
        ["sealed_access"] = ("一条依法封存的访问，将于", "One sealed access (a lawful, approved seal); its details are visible from"),
        ["sealed_visible"] = ("起可见。", "."),
        ["upheld_alerts"] = ("经核实的异常访问", "Improper access confirmed"),
        ["upheld_alerts_intro"] = ("隐私官核实了以下涉及您记录的异常访问：", "A privacy officer confirmed the following improper access to your record:"),
        ["ov_intro"] = ("按当前生效策略、生效授权和紧急访问回答：为什么能看到、谁能看到、能看到什么。按居民编号查询会记入该居民的访问记录。", "Answered from the running policy, the grants in force and break-glass: why a unit sees a field, who can see it, what a unit can see. A question about one resident is recorded in that resident's access log."),
        ["ov_explain"] = ("为什么能看到", "Why does this unit see it"),
        ["ov_who"] = ("谁能看到", "Who can see it"),
        ["ov_what"] = ("某单位能看到什么", "What can a unit see"),
        ["ov_unit_jurisdiction"] = ("单位辖区代码", "Unit's jurisdiction code"),
        ["ov_department"] = ("部门（部门经办人）", "Department (caseworkers)"),
        ["ov_resident"] = ("居民编号", "Resident id"),
        ["ov_residence"] = ("或居民所在社区/网格代码", "or the resident's community or grid code"),
        ["ov_jurisdiction"] = ("或辖区代码", "or a jurisdiction code"),
        ["ov_ask"] = ("查询", "Ask"),
        ["ov_held"] = ("权限", "Right"),
        ["ov_served"] = ("读取时显示", "A read serves"),
        ["ov_source"] = ("来源", "From"),
        ["ov_rule"] = ("依据", "Grounds"),
        ["ov_where"] = ("覆盖居民所在", "Over residents of"),
        ["ov_unit"] = ("单位", "Unit"),
        ["ov_deciding"] = ("决定性规则", "deciding line"),
        ["ov_gives"] = ("给予", "gives"),
        ["ov_extras"] = ("授权与紧急访问", "Grants and break-glass"),
        ["ov_notes"] = ("说明", "Notes"),
        ["ov_no_rule"] = ("没有匹配的策略行。", "No policy line matches."),
        ["ov_nobody"] = ("没有任何单位能看到。", "No unit can see it."),
        ["ov_nothing"] = ("该单位什么也看不到。", "This unit sees nothing."),
        ["ov_policy_version"] = ("策略版本", "Policy version"),
        ["src_policy"] = ("策略", "policy"),
        ["src_grant"] = ("授权", "grant"),
        ["src_break_glass"] = ("紧急访问", "break-glass"),
        ["policy_current"] = ("当前生效版本", "Current version"),
        ["policy_published_at"] = ("发布时间", "Published at"),
        ["policy_lines"] = ("策略条目", "Policy lines"),
        ["policy_history"] = ("历史版本", "History"),
        ["policy_diff"] = ("版本对比", "Compare versions"),
        ["policy_text"] = ("策略文本", "Policy text"),
        ["version"] = ("版本", "Version"),
        ["author"] = ("起草人", "Author"),
        ["approver"] = ("批准人", "Approver"),
        ["status"] = ("状态", "Status"),
        ["compare"] = ("对比", "Compare"),
        ["added"] = ("新增", "Added"),
        ["removed"] = ("删除", "Removed"),
        ["no_store"] = ("策略版本库尚未启用：显示的是随系统发布的策略文件。", "The policy store is not enabled: showing the shipped policy files."),
        // Access log search
        ["log_consistent"] = ("访问日志与您上次（{0}）看到的一致，此后新增 {1} 条记录，没有删改。", "The access log is the one you were shown on {0}, plus {1} new entries: nothing was removed or changed."),
        ["log_not_consistent"] = ("警告：访问日志与您上次（{0}）看到的不一致（当时共 {1} 条），记录可能已被删改。请向隐私专员反映。", "Warning: the access log is not the one you were shown on {0} ({1} entries then); entries may have been removed or changed. Please tell the privacy officer."),
        ["log_first_visit"] = ("已记住日志的当前状态：下次访问时将核对日志只增不改。", "The log's current state is remembered on this device: on your next visit it is checked that entries were only added."),
        ["log_search"] = ("查询访问记录（仅元数据，不含任何字段值）", "Search the access log (metadata only, never values)"),
        ["unit"] = ("单位", "Unit"),
        ["role"] = ("角色", "Role"),
        ["purpose"] = ("目的", "Purpose"),
        ["from"] = ("开始日期", "From"),
        ["to"] = ("结束日期", "To"),
        ["search"] = ("查询", "Search"),
        ["any"] = ("全部", "Any"),
        ["time"] = ("时间", "Time"),
        ["resident"] = ("居民编号", "Resident"),
        ["action"] = ("操作", "Action"),
        ["fields"] = ("字段", "Fields"),
        ["policy_version"] = ("策略版本", "Policy version"),
        ["no_entries"] = ("没有符合条件的记录。", "No matching entries."),
        ["next_page"] = ("下一页", "Next page"),
        // Portal
        ["portal"] = ("我的信息", "My data"),
        ["nav_mydata"] = ("我的信息", "My data"),
        ["nav_who"] = ("谁查看了我的信息", "Who looked at my data"),
        ["nav_cases"] = ("我的质询与更正", "My questions and corrections"),
        ["not_linked"] = ("您的登录还没有关联到居民档案。请到社区办公室办理。", "Your sign-in is not linked to a resident record yet. Please ask your community office."),
        ["shared_phone"] = ("这个手机号登记在不止一位居民名下，无法确定是哪一位。请到社区办公室办理。", "This phone number is on more than one resident's record, so we cannot tell which is yours. Please ask your community office."),
        ["clear_with_reason"] = ("部分遮挡；说明理由并记录后可看完整内容", "partly hidden; in full only with a stated, logged reason"),
        ["not_recorded"] = ("未登记", "not recorded"),
        ["you"] = ("您本人", "You"),
        ["aggregate"] = ("统计（只计数，不看个人信息）", "Statistics (counted, no personal data)"),
        ["breakglass"] = ("紧急访问", "Emergency access"),
        ["question_sent"] = ("您的问题已提交给该单位所在区的隐私专员。", "Your question has gone to the privacy officer of that unit's district."),
        ["correction_sent"] = ("更正申请已提交给您的社区。", "Your correction request has gone to your community."),
        ["my_questions"] = ("我的质询", "My questions"),
        ["my_corrections"] = ("我的更正申请", "My correction requests"),
        ["none_yet"] = ("暂无。", "None yet."),
        ["note"] = ("说明（不要写身份证号等信息）", "Note (do not write ID numbers or similar)"),
        ["about_entry"] = ("关于这条记录", "About this entry"),
        ["status_open"] = ("处理中", "Open"),
        ["status_answered"] = ("已答复", "Answered"),
        ["status_resolved"] = ("已处理", "Resolved"),
        ["resolution"] = ("处理结果", "Resolution"),
        ["answer_text"] = ("答复内容", "Answer"),
        ["open_queue"] = ("待处理", "Open"),
        ["answered_queue"] = ("已答复", "Answered"),
        ["dept_civil_affairs"] = ("民政", "civil affairs"),
        ["dept_health"] = ("卫健", "health"),
        ["dept_public_security"] = ("公安", "public security"),
        ["dept_justice"] = ("司法", "justice"),
        ["dept_disabled_federation"] = ("残联", "disabled persons' federation"),
        ["dept_veterans"] = ("退役军人事务", "veterans affairs"),
        ["running"] = ("生效中", "running"),
        ["rollback"] = ("回滚到此版本（生成新草稿）", "Roll back to this (drafts a new version)"),
        ["note_short"] = ("备注", "Note"),
        ["new_draft"] = ("起草修改", "Draft a change"),
        ["drafts"] = ("草稿", "Drafts"),
        ["draft"] = ("草稿", "Draft"),
        ["edit_text"] = ("直接编辑策略文本", "Edit the policy text"),
        ["add_line"] = ("或用表单添加一条规则", "Or add one rule with the form"),
        ["department"] = ("部门", "Department"),
        ["jurisdiction"] = ("辖区（代码或 *）", "Jurisdiction (code or *)"),
        ["field_or_category"] = ("字段或类别（如 phone、cat:health）", "Field or category (e.g. phone, cat:health)"),
        ["fidelity"] = ("可见程度", "Fidelity"),
        ["valid_from"] = ("生效时间", "Valid from"),
        ["valid_until"] = ("失效时间", "Valid until"),
        ["window_hint"] = ("时间窗口按北京时间填写，可只填一项，都不填即长期有效。规则从生效时间起作用，到失效时间那一刻停止，到时自动生效和失效。",
            "Time window in Beijing time; either may be left empty, both empty means no limit. The rule decides from 'valid from' and stops at the 'valid until' instant, by itself."),
        ["time_windows"] = ("时间窗口", "Time windows"),
        ["windows_running"] = ("当前版本中带时间窗口的规则", "Time-limited rules of the running version"),
        ["windows_decide_on_time"] = ("带时间窗口的规则按每次请求的时刻判断：同一版本在窗口开启或关闭后给出不同结果，访问记录仍记同一版本号。",
            "Rules with a time window are decided at the time of each request: the same version answers differently once a window opens or closes, and the access log records the same version."),
        ["window_opens"] = ("生效", "Opens"),
        ["window_closes"] = ("失效", "Closes"),
        ["window_unbounded"] = ("不限", "no limit"),
        ["window_state"] = ("状态", "State"),
        ["window_open"] = ("生效中", "open now"),
        ["window_pending"] = ("尚未生效（预演未计入）", "not yet open (not counted in the dry run)"),
        ["window_closed"] = ("已失效", "closed"),
        ["beijing_time"] = ("北京时间", "Beijing time"),
        ["create_draft"] = ("保存草稿", "Save draft"),
        ["save"] = ("保存", "Save"),
        ["validation"] = ("校验", "Validation"),
        ["valid"] = ("校验通过。", "Valid."),
        ["line"] = ("行", "line"),
        ["column"] = ("列", "column"),
        ["changes"] = ("与基础版本相比的改动", "Changes from the base version"),
        ["dry_run"] = ("预演影响（基于真实数据）", "Dry-run impact (on the real data)"),
        ["gains"] = ("获得", "Gain"),
        ["losses"] = ("失去", "Lose"),
        ["no_impact"] = ("没有任何人的可见范围发生变化。", "Nobody's view changes."),
        ["residents"] = ("居民", "residents"),
        ["officials"] = ("工作人员", "officials"),
        ["units"] = ("单位", "units"),
        ["submit"] = ("提交审批", "Submit for approval"),
        ["approve"] = ("批准", "Approve"),
        ["reject"] = ("驳回", "Reject"),
        ["publish"] = ("发布", "Publish"),
        ["author_cannot_approve"] = ("您是起草人，需由另一位隐私专员审批。", "You wrote this draft: another privacy officer must review it."),
        ["base_version"] = ("基础版本", "Base version"),
        ["published_as"] = ("已发布为版本", "Published as version"),
        ["coverage_intro"] = ("每个角色与每个 L4/L5 字段的组合都应有明确的决定。以下是缺口：", "Every role × L4/L5 field pair should have an explicit decision. The gaps:"),
        ["coverage_none"] = ("没有缺口。", "No gaps."),
        ["pairs"] = ("组合", "pairs"),
        ["explicit"] = ("明确允许", "explicit"),
        ["explicitly_denied"] = ("明确禁止", "explicitly denied"),
        ["implicit"] = ("仅通过类别隐含", "implicit only"),
        ["undecided"] = ("未决定", "undecided"),
        ["case"] = ("案件编号", "Case"),
        ["requester"] = ("申请单位", "Requested by"),
        ["review"] = ("复核", "Review"),
        ["field"] = ("项目", "Item"),
        ["value"] = ("内容", "Value"),
        ["level"] = ("敏感级别", "Sensitivity"),
        ["who_may_see"] = ("谁可以看到", "Who may see it"),
        ["nobody"] = ("只有您本人", "Only you"),
        ["level_L1"] = ("L1 公开", "L1 public"),
        ["level_L2"] = ("L2 内部", "L2 internal"),
        ["level_L3"] = ("L3 个人信息", "L3 personal"),
        ["level_L4"] = ("L4 敏感个人信息", "L4 sensitive"),
        ["level_L5"] = ("L5 特殊身份信息（严格限制）", "L5 restricted"),
        ["fid_clear"] = ("完整内容", "in full"),
        ["fid_masked"] = ("部分遮挡", "partly hidden"),
        ["fid_category"] = ("只看类别", "the category only"),
        ["fid_exists"] = ("只知道是否填写", "only whether it is filled in"),
        ["fid_write"] = ("修改", "changed"),
        ["and_may_change"] = ("，并可修改", ", and may change it"),
        ["by_grant"] = ("经上级单位授权", "by a grant from a unit that holds the right"),
        ["for_purpose"] = ("用于", "for"),
        ["verified"] = ("已验证", "Verified"),
        ["not_verified"] = ("未能验证", "Not verified"),
        ["verified_hint"] = ("“已验证”表示这条记录已被写入防篡改日志，并通过了包含证明的检查。", "“Verified” means the entry is in the tamper-evident log and its inclusion proof checked out."),
        ["question"] = ("提出质询", "Question this"),
        ["question_text"] = ("您的问题", "Your question"),
        ["send"] = ("提交", "Send"),
        ["correction"] = ("申请更正", "Request a correction"),
        ["correction_text"] = ("正确的内容是什么？", "What is correct?"),
        ["answer"] = ("答复", "Answer"),
        ["waiting"] = ("等待答复", "Waiting for an answer"),
        ["sent"] = ("已提交。", "Sent."),
        ["role_community_worker"] = ("社区工作人员", "community workers"),
        ["role_grid_worker"] = ("网格员", "grid workers"),
        ["role_street_officer"] = ("街道工作人员", "street officers"),
        ["role_district_analyst"] = ("区级统计分析人员", "district analysts"),
        ["role_caseworker"] = ("部门经办人员", "department caseworkers"),
        ["role_privacy_officer"] = ("隐私专员", "privacy officers"),
        ["role_auditor"] = ("审计员", "auditors"),
        ["role_resident"] = ("居民", "residents"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private WebText(bool english) => English = english;

    public static readonly WebText Zh = new(false);
    public static readonly WebText En = new(true);

    public bool English { get; }

    public string Lang => English ? "en" : "zh-CN";

    /// <summary>A word by key; an unknown key shows itself, so a typo is visible on the page rather than blank.</summary>
    public string this[string key] => Words.TryGetValue(key, out var w) ? (English ? w.En : w.Zh) : key;

    /// <summary>Chinese or English of a pair that comes from data (field labels, purposes).</summary>
    public string Pick(string zh, string en) => English ? en : zh;

    /// <summary>"text (note)" in English, "text（note）" in Chinese: full-width brackets, no space.</summary>
    public string WithNote(string text, string note) => English ? $"{text} ({note})" : $"{text}（{note}）";

    /// <summary>"label: value" in English, "label：value" in Chinese.</summary>
    public string Labelled(string label, string value) => English ? $"{label}: {value}" : $"{label}：{value}";

    public static bool HasKey(string key) => Words.ContainsKey(key);

    public static IEnumerable<string> Keys => Words.Keys;

    /// <summary>The words for this request: <c>?lang=</c> wins and is remembered; else the cookie; else Chinese.</summary>
    public static WebText For(HttpContext http)
    {
        var requested = http.Request.Query["lang"].ToString();
        if (requested is "en" or "zh")
        {
            http.Response.Cookies.Append(LangCookie, requested, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, IsEssential = true, MaxAge = TimeSpan.FromDays(365) });
            return requested == "en" ? En : Zh;
        }
        return http.Request.Cookies[LangCookie] == "en" ? En : Zh;
    }
}
