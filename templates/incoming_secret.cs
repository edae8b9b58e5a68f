<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<h1><?cs var:Page.Title ?></h1>
<section class="card">
<p><?cs if:Page.Source.name ?><?cs var:Page.Source.name ?> <?cs /if ?><span class="muted small"><?cs var:Page.Source.id ?></span></p>
<label for="src-url">Where the sender posts</label>
<div class="copy-row"><input id="src-url" class="mono" readonly spellcheck="false" value="<?cs var:Page.Source.url ?>"><button type="button" class="secondary" data-copy="src-url">Copy</button></div>
<?cs if:Page.Gone ?>
<p class="notice" role="status">The new secret was shown once, when its page was first opened, and is not kept to be shown again. If you did not copy it, rotate the secret on the source's page.</p>
<?cs else ?>
<label for="secret">Signing secret</label>
<div class="copy-row"><input id="secret" class="mono" readonly spellcheck="false" value="<?cs var:Page.Reveal.secret ?>"><button type="button" class="secondary" data-copy="secret">Copy</button></div>
<p class="notice" role="status">This secret is shown only now: reloading this page will not show it again. Give it to the sender: it signs each request with it (Standard Webhooks: <code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>).<?cs if:Page.Rotated ?><?cs if:Page.Source.previous_secret_expires_at ?> The previous secret keeps verifying until <?cs call:time(Page.Source.previous_secret_expires_at) ?>.<?cs else ?> The previous secret no longer verifies.<?cs /if ?><?cs /if ?></p>
<?cs /if ?>
<p><a class="button" href="<?cs var:Site.Base ?>/incoming/<?cs var:Page.Source.id ?>">Done</a></p>
</section>
<?cs call:layout_bottom() ?>
