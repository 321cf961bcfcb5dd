#!/usr/bin/env python3
"""An independent reading of the recorded provider streams
(../shared/corpora/streams/), written apart from archie's decoder: what
each stream holds, per the protocols' documentation.  Its output,
reviewed by hand, is expected.jsonl, which tests/unit/test_streams.c
holds archie's decoder to.

  python3 reference.py ../shared/corpora/streams > expected.jsonl
"""
import json, sys, os

STOP = {"stop": "end_turn", "tool_calls": "tool_use", "function_call": "tool_use",
        "length": "max_tokens", "content_filter": "refusal"}


def events(raw):
    for block in raw.replace("\r\n", "\n").split("\n\n"):
        name, data = "", []
        for line in block.split("\n"):
            if line.startswith(":"):
                continue
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:][1:] if line[5:].startswith(" ") else line[5:])
        if data:
            yield name, "\n".join(data)


def texts(v):
    if isinstance(v, str):
        return v
    out = ""
    for p in v or []:
        if isinstance(p, str):
            out += p
        elif isinstance(p.get("text"), str):
            out += p["text"]
    return out


def num(v):
    return v if isinstance(v, int) else 0


def openai_usage(u, usage):
    """OpenAI's prompt_tokens counts cached (and, at OpenRouter, cache
    write) tokens too: input is what is left.  DeepSeek names its cached
    tokens prompt_cache_hit_tokens; Groq puts usage under x_groq."""
    if not isinstance(u, dict):
        return
    pd = u.get("prompt_tokens_details") or {}
    cached = num(pd.get("cached_tokens")) or num(u.get("prompt_cache_hit_tokens"))
    write = num(pd.get("cache_write_tokens"))
    prompt, completion = num(u.get("prompt_tokens")), num(u.get("completion_tokens"))
    reasoning = num((u.get("completion_tokens_details") or {}).get("reasoning_tokens"))
    # xAI counts reasoning apart from completion_tokens (total_tokens is
    # the sum of all three) and bills it as output
    output = completion
    if reasoning and num(u.get("total_tokens")) == prompt + completion + reasoning:
        output += reasoning
    usage.update(input=max(prompt - cached - write, 0), output=output, cache_read=cached,
                 cache_write=write, reasoning=reasoning)


def openai(raw):
    text, reasoning, calls, stop, error = "", "", [], None, False
    usage = dict(input=0, output=0, cache_read=0, cache_write=0, reasoning=0)
    by_index = {}
    for name, data in events(raw):
        if data == "[DONE]":
            break
        if name == "error":
            error = True
            break
        j = json.loads(data)
        if j.get("error"):
            error = True
            break
        openai_usage((j.get("x_groq") or {}).get("usage"), usage)
        openai_usage(j.get("usage"), usage)
        ch = (j.get("choices") or [{}])[0]
        d = ch.get("delta") or ch.get("message") or {}
        c = d.get("content")
        if isinstance(c, str):
            text += c
        elif isinstance(c, list):
            for p in c:
                t = p.get("type")
                if t == "thinking":
                    reasoning += texts(p.get("thinking"))
                elif t in (None, "text"):
                    text += texts(p.get("text"))
        r = d.get("reasoning_content")
        if not isinstance(r, str):
            r = d.get("reasoning")
        if isinstance(r, str):
            reasoning += r
        elif "reasoning_content" not in d:
            for p in d.get("reasoning_details") or []:
                x = p.get("text") if isinstance(p.get("text"), str) else p.get("summary")
                if isinstance(x, str):
                    reasoning += x
        for tc in d.get("tool_calls") or []:
            idx = tc.get("index")
            tid = tc.get("id") or ""
            fn = tc.get("function") or {}
            cur = None
            if tid and not any(x["id"] == tid for x in calls):
                cur = {"id": tid, "name": "", "arguments": ""}
                calls.append(cur)
                if idx is not None:
                    by_index[idx] = cur
            elif tid:
                cur = next(x for x in calls if x["id"] == tid)
            elif idx is not None and idx in by_index:
                cur = by_index[idx]
            elif calls:
                cur = calls[-1]
            if cur is None:
                cur = {"id": "", "name": "", "arguments": ""}
                calls.append(cur)
            if fn.get("name") and not cur["name"]:
                cur["name"] = fn["name"]
            if isinstance(fn.get("arguments"), str):
                cur["arguments"] += fn["arguments"]
        fr = ch.get("finish_reason")
        if isinstance(fr, str):
            stop = STOP.get(fr, fr)
    if stop is None and not error:
        stop = "tool_use" if calls else "end_turn"
    return text, reasoning, calls, stop, error, usage


def anthropic(raw):
    text, reasoning, calls, stop, error, kinds = "", "", [], None, False, {}
    open_calls = {}
    usage = dict(input=0, output=0, cache_read=0, cache_write=0, reasoning=0)

    def take(u):
        # message_start has them all; message_delta's counts are
        # cumulative and replace what they name
        if not isinstance(u, dict):
            return
        for k, name in (("input_tokens", "input"), ("output_tokens", "output"),
                        ("cache_read_input_tokens", "cache_read"),
                        ("cache_creation_input_tokens", "cache_write")):
            if isinstance(u.get(k), int):
                usage[name] = u[k]
        its = u.get("iterations")
        if isinstance(its, list) and its:
            # server-side compaction: the top level is the last
            # iteration's; what is billed is every iteration's
            for k, name in (("input_tokens", "input"), ("output_tokens", "output"),
                            ("cache_read_input_tokens", "cache_read"),
                            ("cache_creation_input_tokens", "cache_write")):
                usage[name] = sum(num(i.get(k)) for i in its)
        d = u.get("output_tokens_details") or {}
        if isinstance(d.get("thinking_tokens"), int):
            usage["reasoning"] = d["thinking_tokens"]
    for name, data in events(raw):
        j = json.loads(data)
        t = j.get("type") or name
        if t == "message_start":
            take((j.get("message") or {}).get("usage"))
        elif t == "content_block_start":
            cb = j["content_block"]
            kinds[j["index"]] = cb.get("type")
            if cb.get("type") == "tool_use":
                c = {"id": cb["id"], "name": cb["name"], "arguments": ""}
                calls.append(c)
                open_calls[j["index"]] = c
            elif cb.get("type") == "text":
                text += cb.get("text") or ""
            elif cb.get("type") == "thinking":
                reasoning += cb.get("thinking") or ""
        elif t == "content_block_delta":
            d = j["delta"]
            if d.get("type") == "text_delta":
                text += d["text"]
            elif d.get("type") == "thinking_delta":
                reasoning += d["thinking"]
            elif d.get("type") == "input_json_delta" and j["index"] in open_calls:
                open_calls[j["index"]]["arguments"] += d["partial_json"]
        elif t == "message_delta":
            take(j.get("usage"))
            if (j.get("delta") or {}).get("stop_reason"):
                stop = j["delta"]["stop_reason"]
        elif t == "error":
            error = True
            break
    for c in calls:
        if c["arguments"] == "":
            c["arguments"] = "{}"
    return text, reasoning, calls, stop, error, usage


def main(root):
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(root, "MANIFEST.tsv"))][1:]
    for r in rows:
        path, proto = r[1], r[2]
        raw = open(os.path.join(root, path), encoding="utf-8").read()
        text, reasoning, calls, stop, error, usage = (anthropic if proto == "anthropic" else openai)(raw)
        print(json.dumps({"file": path, "protocol": proto, "text": text, "reasoning": reasoning,
                          "calls": calls, "stop": None if error else stop, "error": error,
                          "usage": None if error else usage},
                         ensure_ascii=False))


main(sys.argv[1])
