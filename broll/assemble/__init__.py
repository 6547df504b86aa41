"""Edit list -> pure timeline -> one FFmpeg graph per output -> reel.

    editlist.py   YAML -> validated model, every error located (file:line:col, did-you-mean)
    resolve.py    model + probed media -> Timeline (the media pass of `broll validate`)
    timeline.py   pure frozen model in exact output frames
    plan.py       Timeline + Preset -> filter_complex + argv (pure)
    render.py     run the plan: loudness pass, progress, atomic output
"""
