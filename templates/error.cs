<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<section class="card narrow">
<h1><?cs var:Page.Title ?></h1>
<p><?cs var:Page.Message ?></p>
<p><a href="<?cs var:Site.Base ?>">Back to the overview</a></p>
</section>
<?cs call:layout_bottom() ?>
