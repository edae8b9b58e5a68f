<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<section class="card narrow">
<h1><?cs var:Page.Title ?></h1>
<p><?cs if:Page.Retried == 1 ?>1 delivery is queued again; the runner sends it<?cs else ?><?cs var:Page.Retried ?> deliveries are queued again; the runner sends them<?cs /if ?> on its next pass.</p>
<p><a class="button" href="<?cs var:Site.Base ?>/deliveries?status=pending">See pending deliveries</a></p>
</section>
<?cs call:layout_bottom() ?>
